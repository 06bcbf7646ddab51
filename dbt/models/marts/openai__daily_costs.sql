{#- Billed cost per day, project, line item, API key and currency: the connector's deduplicated `costs` rows, named.
    Incremental by day (macros/incremental.sql). -#}
{{ config(materialized=openai_analytics.openai_materialization(), unique_key=['source_relation', 'cost_date'],
          incremental_strategy='delete+insert') }}
with changed_days as (
  {{ openai_analytics.openai_changed_days(ref('stg_openai__costs'), 'cost_date', '_airbyte_extracted_at') }}
),
costs as (
  select
    staged.source_relation, staged.cost_date, project_id, line_item, api_key_id, currency,
    sum(billed_cost) as billed_cost,
    sum(quantity) as quantity,
    max(quantity_unit) as quantity_unit,
    min(charge_period_start) as charge_period_start,
    max(charge_period_end) as charge_period_end,
    max(_airbyte_extracted_at) as last_extracted_at
  from {{ ref('stg_openai__costs') }} as staged
  {% if is_incremental() -%}
  inner join changed_days
    on changed_days.source_relation = staged.source_relation and changed_days.changed_date = staged.cost_date
  {% endif -%}
  group by staged.source_relation, staged.cost_date, project_id, line_item, api_key_id, currency
)
select
  {{ openai_analytics.openai_surrogate_key(['costs.source_relation', 'costs.cost_date', 'costs.project_id',
      'costs.line_item', 'costs.api_key_id', 'costs.currency']) }} as daily_cost_id,
  costs.cost_date,
  costs.project_id,
  projects.project_name,
  costs.line_item,
  line_items.usage_product,
  costs.api_key_id,
  keys.api_key_name,
  costs.billed_cost,
  costs.currency,
  costs.quantity,
  costs.quantity_unit,
  costs.charge_period_start,
  costs.charge_period_end,
  costs.last_extracted_at,
  costs.source_relation
from costs
left join {{ ref('stg_openai__projects') }} as projects
  on projects.source_relation = costs.source_relation and projects.project_id = costs.project_id
left join {{ ref('int_openai__api_keys_listed') }} as keys
  on keys.source_relation = costs.source_relation and keys.api_key_id = costs.api_key_id
left join {{ ref('int_openai__line_items') }} as line_items
  on line_items.source_relation = costs.source_relation and line_items.line_item = costs.line_item
