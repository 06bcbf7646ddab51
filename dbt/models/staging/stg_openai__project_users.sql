with latest as (
  {{ openai_analytics.openai_latest('project_users', [['project_id', 'string'], ['id', 'string'], ['role', 'string']], ['project_id', 'id']) }}
)
select project_id, id as user_id, source_relation, role as project_role, _airbyte_extracted_at
from latest
