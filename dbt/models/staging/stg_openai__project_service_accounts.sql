with latest as (
  {{ openai_analytics.openai_latest('project_service_accounts', [
      ['project_id', 'string'], ['id', 'string'], ['name', 'string'], ['role', 'string']], ['project_id', 'id']) }}
)
select project_id, id as service_account_id, source_relation, name as service_account_name, role as project_role,
  _airbyte_extracted_at
from latest
