with latest as (
  {{ openai_analytics.openai_latest('project_api_keys', [
      ['project_id', 'string'], ['id', 'string'], ['name', 'string'], ['created_at', 'bigint'], ['last_used_at', 'bigint'],
      ['owner', 'json']], ['project_id', 'id']) }}
)
select
  id as api_key_id,
  source_relation,
  cast('project' as {{ dbt.type_string() }}) as key_type,
  project_id,
  name as api_key_name,
  {{ openai_analytics.openai_json_text('owner', ['type']) }} as owner_type,
  coalesce({{ openai_analytics.openai_json_text('owner', ['user', 'id']) }},
           {{ openai_analytics.openai_json_text('owner', ['service_account', 'id']) }}) as owner_id,
  coalesce({{ openai_analytics.openai_json_text('owner', ['user', 'name']) }},
           {{ openai_analytics.openai_json_text('owner', ['service_account', 'name']) }}) as owner_name,
  {{ openai_analytics.openai_epoch_to_timestamp('created_at') }} as created_at,
  {{ openai_analytics.openai_epoch_to_timestamp('last_used_at') }} as last_used_at,
  _airbyte_extracted_at
from latest
