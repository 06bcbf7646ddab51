{#- ChatGPT Enterprise COSTS events of the compliance logs, one row per billing line. The shape is not public: these
    field names are the provisional ones one vendor shows (docs/analytics.md § ChatGPT costs). Every field is read
    defensively (a missing one is null); an event without a `billing_lines` array gives no row. -#}
with events as (
  {{ openai_analytics.openai_latest('compliance_log_events', [
      ['log_file_id', 'string'], ['line_number', 'bigint'], ['event_type', 'string'], ['type', 'string', 'record_type'],
      ['timestamp', 'string', 'event_timestamp'], ['principal_id', 'string'], ['organization_id', 'string'], ['day', 'string', 'event_day'],
      ['actor', 'json'], ['user_id', 'string'], ['user_email', 'string'], ['product', 'string'], ['surface', 'string'], ['client', 'string'],
      ['model', 'string'], ['service_tier', 'string'], ['billing_lines', 'json']], ['log_file_id', 'line_number']) }}
),
costs_events as (
  select * from events where coalesce(event_type, record_type) = 'COSTS'
)
select
  e.log_file_id,
  e.line_number,
  e.source_relation,
  coalesce(cast(e.event_day as date), cast({{ openai_analytics.openai_iso_to_timestamp('e.event_timestamp') }} as date)) as cost_date,
  coalesce(e.principal_id, e.organization_id) as principal_id,
  coalesce(e.user_id, {{ openai_analytics.openai_json_text('e.actor', ['user_id']) }}) as chatgpt_user_id,
  lower(coalesce(e.user_email, {{ openai_analytics.openai_json_text('e.actor', ['email']) }})) as email_lower,
  e.product,
  e.surface,
  e.client,
  e.model,
  e.service_tier,
  {{ openai_analytics.openai_json_text('line.value', ['sku']) }} as sku,
  cast({{ openai_analytics.openai_json_text('line.value', ['quantity', 'value']) }} as {{ openai_analytics.openai_type_money() }}) as quantity,
  {{ openai_analytics.openai_json_text('line.value', ['quantity', 'unit']) }} as quantity_unit,
  cast({{ openai_analytics.openai_json_text('line.value', ['credits', 'value']) }} as {{ openai_analytics.openai_type_money() }}) as credits,
  cast({{ openai_analytics.openai_json_text('line.value', ['estimated_cost', 'amount']) }} as {{ openai_analytics.openai_type_money() }}) as estimated_cost,
  lower({{ openai_analytics.openai_json_text('line.value', ['estimated_cost', 'currency']) }}) as estimated_cost_currency,
  e._airbyte_extracted_at
from {{ openai_analytics.openai_json_array_rows('costs_events', 'e', 'billing_lines', 'line') }}
