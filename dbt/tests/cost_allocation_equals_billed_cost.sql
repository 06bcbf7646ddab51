{#- Reconciliation: the allocated cost per day, project, line item and currency equals the billed cost (exactly,
    which is stricter than "to the cent"). -#}
with billed as (
  select source_relation, cost_date, coalesce(project_id, '<none>') as project_id, coalesce(line_item, '<none>') as line_item,
    currency, sum(billed_cost) as billed_cost
  from {{ ref('openai__daily_costs') }}
  group by 1, 2, 3, 4, 5
),
allocated as (
  select source_relation, cost_date, coalesce(project_id, '<none>') as project_id, coalesce(line_item, '<none>') as line_item,
    currency, sum(allocated_cost) as allocated_cost
  from {{ ref('openai__cost_allocation') }}
  group by 1, 2, 3, 4, 5
)
select b.*, a.allocated_cost
from billed as b
full outer join allocated as a
  on a.source_relation = b.source_relation and a.cost_date = b.cost_date and a.project_id = b.project_id
  and a.line_item = b.line_item and a.currency = b.currency
where a.allocated_cost is null or b.billed_cost is null or a.allocated_cost <> b.billed_cost
