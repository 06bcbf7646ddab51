{#- Every admin and project API key, with its project, owner, cost in the last 30 days and two flags. Keys that
    billed cost but are not (or no longer) listed get a row of their own (key_type 'unlisted'). -#}
with listed as (
  select * from {{ ref('int_openai__api_keys_listed') }}
),
spend as (
  select source_relation, api_key_id, max(project_id) as project_id,
    sum(case when cost_date > {{ dbt.dateadd('day', -30, openai_analytics.openai_as_of_date()) }}
             and cost_date <= {{ openai_analytics.openai_as_of_date() }} then billed_cost else 0 end) as cost_last_30_days,
    sum(billed_cost) as cost_all_time,
    max(cost_date) as last_cost_date
  from {{ ref('openai__daily_costs') }}
  where api_key_id is not null
  group by source_relation, api_key_id
),
keys as (
  select api_key_id, source_relation, key_type, project_id, api_key_name, owner_type, owner_id, owner_name,
    created_at, last_used_at
  from listed
  union all
  select spend.api_key_id, spend.source_relation, 'unlisted', spend.project_id, null, null, null, null, null, null
  from spend
  where not exists (select 1 from listed where listed.source_relation = spend.source_relation
                    and listed.api_key_id = spend.api_key_id)
),
owners as (
  select source_relation, user_id as owner_id from {{ ref('stg_openai__users') }}
  union
  select source_relation, service_account_id from {{ ref('stg_openai__project_service_accounts') }}
)
select
  {{ openai_analytics.openai_surrogate_key(['keys.source_relation', 'keys.api_key_id']) }} as api_key_key,
  keys.api_key_id,
  keys.key_type,
  keys.project_id,
  projects.project_name,
  keys.api_key_name,
  keys.owner_type,
  keys.owner_id,
  keys.owner_name,
  keys.created_at,
  keys.last_used_at,
  coalesce(spend.cost_last_30_days, 0) as cost_last_30_days,
  coalesce(spend.cost_all_time, 0) as cost_all_time,
  spend.last_cost_date,
  (keys.last_used_at is null
   or cast(keys.last_used_at as date) <= {{ dbt.dateadd('day', -90, openai_analytics.openai_as_of_date()) }})
    and keys.key_type <> 'unlisted' as is_unused_90_days,
  coalesce(spend.cost_last_30_days, 0) <> 0 and owners.owner_id is null as has_spend_without_known_owner,
  keys.source_relation
from keys
left join spend on spend.source_relation = keys.source_relation and spend.api_key_id = keys.api_key_id
left join owners on owners.source_relation = keys.source_relation and owners.owner_id = keys.owner_id
left join {{ ref('stg_openai__projects') }} as projects
  on projects.source_relation = keys.source_relation and projects.project_id = keys.project_id
