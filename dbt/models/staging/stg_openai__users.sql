with latest as (
  {{ openai_analytics.openai_latest('users', [
      ['id', 'string'], ['name', 'string'], ['email', 'string'], ['role', 'string'], ['added_at', 'bigint'],
      ['is_service_account', 'boolean']], ['id']) }}
)
select
  id as user_id,
  source_relation,
  name as user_name,
  email,
  lower(email) as email_lower,
  role as organization_role,
  {{ openai_analytics.openai_epoch_to_timestamp('added_at') }} as added_at,
  coalesce(is_service_account, false) as is_service_account,
  _airbyte_extracted_at
from latest
