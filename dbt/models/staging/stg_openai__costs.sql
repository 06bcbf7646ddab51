with latest as (
  {{ openai_analytics.openai_latest('costs', [
      ['surrogate_key', 'string'], ['start_time', 'bigint'], ['end_time', 'bigint'], ['project_id', 'string'],
      ['line_item', 'string'], ['api_key_id', 'string'], ['amount_value', 'money'], ['amount_currency', 'string'],
      ['quantity', 'money'], ['quantity_unit', 'string']], ['surrogate_key']) }}
)
select
  surrogate_key as cost_id,
  source_relation,
  start_time,
  end_time,
  cast({{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as date) as cost_date,
  {{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as charge_period_start,
  {{ openai_analytics.openai_epoch_to_timestamp('end_time') }} as charge_period_end,
  project_id,
  line_item,
  api_key_id,
  coalesce(amount_value, 0) as billed_cost,
  lower(coalesce(amount_currency, 'usd')) as currency,
  quantity,
  quantity_unit,
  _airbyte_extracted_at
from latest
