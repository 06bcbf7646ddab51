with latest as (
  {{ openai_analytics.openai_latest('codex_code_reviews', [
      ['workspace_id', 'string'], ['start_time', 'bigint'], ['user_key', 'string'], ['pull_request_reviews', 'money'],
      ['comments', 'money']], ['workspace_id', 'start_time', 'user_key']) }}
)
select
  workspace_id,
  source_relation,
  cast({{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as date) as usage_date,
  user_key,
  pull_request_reviews,
  comments,

  _airbyte_extracted_at
from latest
