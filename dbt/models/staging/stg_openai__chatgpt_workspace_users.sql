with latest as (
  {{ openai_analytics.openai_latest('chatgpt_workspace_users', [
      ['workspace_id', 'string'], ['id', 'string'], ['email', 'string'], ['role', 'string'], ['seat_type', 'string']],
      ['workspace_id', 'id']) }}
)
select
  workspace_id,
  id as chatgpt_user_id,
  source_relation,
  lower(email) as email_lower,
  role as chatgpt_role,
  seat_type as chatgpt_seat_type,
  _airbyte_extracted_at
from latest
