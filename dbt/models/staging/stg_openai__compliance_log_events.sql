{#- ChatGPT Enterprise compliance log events: the fields every event type has. COSTS events are read by
    stg_openai__chatgpt_cost_lines. -#}
with latest as (
  {{ openai_analytics.openai_latest('compliance_log_events', [
      ['log_file_id', 'string'], ['line_number', 'bigint'], ['id', 'string'], ['event_type', 'string'], ['type', 'string', 'record_type'],
      ['timestamp', 'string', 'event_timestamp'], ['event', 'string'], ['principal_id', 'string'], ['actor', 'json']], ['log_file_id', 'line_number']) }}
)
select
  log_file_id,
  line_number,
  source_relation,
  id as event_id,
  coalesce(event_type, record_type) as event_type,
  event,
  principal_id,
  {{ openai_analytics.openai_iso_to_timestamp('event_timestamp') }} as event_at,
  {{ openai_analytics.openai_json_text('actor', ['user_id']) }} as actor_user_id,
  lower({{ openai_analytics.openai_json_text('actor', ['email']) }}) as actor_email_lower,
  _airbyte_extracted_at
from latest
