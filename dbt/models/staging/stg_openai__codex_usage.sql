with latest as (
  {{ openai_analytics.openai_latest('codex_usage', [
      ['workspace_id', 'string'], ['start_time', 'bigint'], ['user_key', 'string'], ['user_id', 'string'],
      ['email', 'string'], ['totals', 'json'], ['code_attribution', 'json']], ['workspace_id', 'start_time', 'user_key']) }}
)
select
  workspace_id,
  source_relation,
  cast({{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as date) as usage_date,
  user_key,
  user_id,
  email,
  cast({{ openai_analytics.openai_json_text('totals', ['threads']) }} as {{ openai_analytics.openai_type_money() }}) as threads,
  cast({{ openai_analytics.openai_json_text('totals', ['turns']) }} as {{ openai_analytics.openai_type_money() }}) as turns,
  cast({{ openai_analytics.openai_json_text('totals', ['credits']) }} as {{ openai_analytics.openai_type_money() }}) as credits,
  cast({{ openai_analytics.openai_json_text('code_attribution', ['lines_added']) }} as {{ dbt.type_bigint() }}) as lines_added,
  cast({{ openai_analytics.openai_json_text('code_attribution', ['lines_removed']) }} as {{ dbt.type_bigint() }}) as lines_removed,
  _airbyte_extracted_at
from latest
