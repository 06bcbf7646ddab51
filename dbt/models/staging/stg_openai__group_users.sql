with latest as (
  {{ openai_analytics.openai_latest('group_users', [['group_id', 'string'], ['id', 'string']], ['group_id', 'id']) }}
)
select group_id, id as user_id, source_relation, _airbyte_extracted_at
from latest
