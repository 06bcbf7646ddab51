with latest as (
  {{ openai_analytics.openai_latest('codex_usage_clients', [
      ['workspace_id', 'string'], ['start_time', 'bigint'], ['user_key', 'string'], ['index', 'bigint', 'element_index'],
      ['client_id', 'string'], ['credits', 'money']], ['workspace_id', 'start_time', 'user_key', 'element_index']) }}
)
select
  workspace_id,
  source_relation,
  cast({{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as date) as usage_date,
  user_key,
  client_id,
  credits,
  _airbyte_extracted_at
from latest
