with latest as (
  {{ openai_analytics.openai_latest('admin_api_keys', [
      ['id', 'string'], ['name', 'string'], ['created_at', 'bigint'], ['last_used_at', 'bigint'], ['owner', 'json']], ['id']) }}
)
select
  id as api_key_id,
  source_relation,
  cast('admin' as {{ dbt.type_string() }}) as key_type,
  cast(null as {{ dbt.type_string() }}) as project_id,
  name as api_key_name,
  {{ openai_analytics.openai_json_text('owner', ['type']) }} as owner_type,
  {{ openai_analytics.openai_json_text('owner', ['id']) }} as owner_id,
  {{ openai_analytics.openai_json_text('owner', ['name']) }} as owner_name,
  {{ openai_analytics.openai_epoch_to_timestamp('created_at') }} as created_at,
  {{ openai_analytics.openai_epoch_to_timestamp('last_used_at') }} as last_used_at,
  _airbyte_extracted_at
from latest
