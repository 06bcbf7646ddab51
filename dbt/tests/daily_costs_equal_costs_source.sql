{#- Reconciliation: openai__daily_costs adds up to the deduplicated `costs` rows, exactly, per connection, day,
    project and currency (and so in total). -#}
with source_costs as (
  select source_relation, cost_date, coalesce(project_id, '<none>') as project_id, currency, sum(billed_cost) as billed
  from {{ ref('stg_openai__costs') }}
  group by source_relation, cost_date, coalesce(project_id, '<none>'), currency
),
model_costs as (
  select source_relation, cost_date, coalesce(project_id, '<none>') as project_id, currency, sum(billed_cost) as billed
  from {{ ref('openai__daily_costs') }}
  group by source_relation, cost_date, coalesce(project_id, '<none>'), currency
)
select coalesce(s.source_relation, m.source_relation) as source_relation, coalesce(s.cost_date, m.cost_date) as cost_date,
  coalesce(s.project_id, m.project_id) as project_id, s.billed as source_billed, m.billed as model_billed
from source_costs as s
full outer join model_costs as m
  on m.source_relation = s.source_relation and m.cost_date = s.cost_date and m.project_id = s.project_id
  and m.currency = s.currency
where s.billed is null or m.billed is null or s.billed <> m.billed
