{#- One row per organisation user: role, projects, groups, last usage day, month-to-date allocated cost and, where the
    compliance streams are synced, the ChatGPT seat and last sign-in (matched on e-mail address). -#}
with users as (
  select * from {{ ref('stg_openai__users') }}
),
projects as (
  select project_users.source_relation, project_users.user_id,
    count(*) as project_count,
    {{ dbt.listagg('coalesce(projects.project_name, project_users.project_id)', "', '", "order by coalesce(projects.project_name, project_users.project_id)") }} as projects
  from {{ ref('stg_openai__project_users') }} as project_users
  left join {{ ref('stg_openai__projects') }} as projects
    on projects.source_relation = project_users.source_relation and projects.project_id = project_users.project_id
  group by project_users.source_relation, project_users.user_id
),
groups as (
  select group_users.source_relation, group_users.user_id,
    {{ dbt.listagg('coalesce(groups.group_name, group_users.group_id)', "', '", "order by coalesce(groups.group_name, group_users.group_id)") }} as groups
  from {{ ref('stg_openai__group_users') }} as group_users
  left join {{ ref('stg_openai__groups') }} as groups
    on groups.source_relation = group_users.source_relation and groups.group_id = group_users.group_id
  group by group_users.source_relation, group_users.user_id
),
usage as (
  select source_relation, user_id, max(usage_date) as last_usage_date
  from {{ ref('openai__daily_usage') }}
  where user_id is not null
  group by source_relation, user_id
),
allocated as (
  select source_relation, user_id, sum(allocated_cost) as allocated_cost_month_to_date
  from {{ ref('openai__cost_allocation') }}
  where user_id is not null
    and cost_date >= cast({{ dbt.date_trunc('month', openai_analytics.openai_as_of_date()) }} as date)
    and cost_date <= {{ openai_analytics.openai_as_of_date() }}
  group by source_relation, user_id
),
seats as (
  select email_lower,
    max(chatgpt_seat_type) as chatgpt_seat_type,
    max(chatgpt_role) as chatgpt_role,
    count(distinct workspace_id) as chatgpt_workspaces
  from {{ ref('stg_openai__chatgpt_workspace_users') }}
  group by email_lower
),
sign_ins as (
  select actor_email_lower as email_lower, max(event_at) as chatgpt_last_sign_in_at
  from {{ ref('stg_openai__compliance_log_events') }}
  where event_type = 'AUTH_LOG' and (event is null or lower(event) like '%login%')
  group by actor_email_lower
)
select
  {{ openai_analytics.openai_surrogate_key(['users.source_relation', 'users.user_id']) }} as user_key,
  users.user_id,
  users.user_name,
  users.email,
  users.organization_role,
  users.is_service_account,
  users.added_at,
  coalesce(projects.project_count, 0) as project_count,
  projects.projects,
  groups.groups,
  usage.last_usage_date,
  coalesce(allocated.allocated_cost_month_to_date, 0) as allocated_cost_month_to_date,
  seats.chatgpt_seat_type,
  seats.chatgpt_role,
  seats.chatgpt_workspaces,
  sign_ins.chatgpt_last_sign_in_at,
  users.source_relation
from users
left join projects on projects.source_relation = users.source_relation and projects.user_id = users.user_id
left join groups on groups.source_relation = users.source_relation and groups.user_id = users.user_id
left join usage on usage.source_relation = users.source_relation and usage.user_id = users.user_id
left join allocated on allocated.source_relation = users.source_relation and allocated.user_id = users.user_id
left join seats on seats.email_lower = users.email_lower
left join sign_ins on sign_ins.email_lower = users.email_lower
