with latest as (
  {{ openai_analytics.openai_latest('groups', [['id', 'string'], ['name', 'string']], ['id']) }}
)
select id as group_id, source_relation, name as group_name, _airbyte_extracted_at
from latest
