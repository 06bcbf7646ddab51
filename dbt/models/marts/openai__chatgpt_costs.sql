{#- ChatGPT Enterprise costs per day, workspace or organisation (principal), user, product, model and SKU, from the
    compliance logs' COSTS events (provisional shape; estimates in credits and USD, not invoice amounts). -#}
with lines as (
  select * from {{ ref('stg_openai__chatgpt_cost_lines') }}
),
grouped as (
  select source_relation, cost_date, principal_id, chatgpt_user_id, max(email_lower) as email_lower, product, model, sku,
    max(quantity_unit) as quantity_unit,
    sum(quantity) as quantity,
    sum(credits) as credits,
    sum(estimated_cost) as estimated_cost,
    max(estimated_cost_currency) as estimated_cost_currency
  from lines
  group by source_relation, cost_date, principal_id, chatgpt_user_id, product, model, sku
)
select
  {{ openai_analytics.openai_surrogate_key(['grouped.source_relation', 'grouped.cost_date', 'grouped.principal_id',
      'grouped.chatgpt_user_id', 'grouped.product', 'grouped.model', 'grouped.sku']) }} as chatgpt_cost_id,
  grouped.cost_date,
  grouped.principal_id,
  grouped.chatgpt_user_id,
  grouped.email_lower as email,
  users.user_id as platform_user_id,
  grouped.product,
  grouped.model,
  grouped.sku,
  grouped.quantity,
  grouped.quantity_unit,
  grouped.credits,
  grouped.estimated_cost,
  grouped.estimated_cost_currency,
  grouped.source_relation
from grouped
left join {{ ref('stg_openai__users') }} as users
  on users.source_relation = grouped.source_relation and users.email_lower = grouped.email_lower
