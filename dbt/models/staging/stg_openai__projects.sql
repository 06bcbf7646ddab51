with latest as (
  {{ openai_analytics.openai_latest('projects', [
      ['id', 'string'], ['name', 'string'], ['status', 'string'], ['created_at', 'bigint'], ['archived_at', 'bigint']], ['id']) }}
)
select
  id as project_id,
  source_relation,
  name as project_name,
  status as project_status,
  {{ openai_analytics.openai_epoch_to_timestamp('created_at') }} as created_at,
  {{ openai_analytics.openai_epoch_to_timestamp('archived_at') }} as archived_at,
  _airbyte_extracted_at
from latest
