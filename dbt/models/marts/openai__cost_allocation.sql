{#- Each billed cost row shared out to the users and API keys whose usage of the matching product (and model, and
    batch flag) made it, in proportion to the measure the line item is priced on. Exact: the amounts are split in
    nano-units with cumulative floors, so each cost row's shares add up to its billed cost to the last digit.
    Cost that no usage explains is one row with allocation = 'unallocated'. docs/analytics.md § Allocation.
    Incremental by day: a day is shared out again when its costs or its usage changed. -#}
{{ config(materialized=openai_analytics.openai_materialization(), unique_key=['source_relation', 'cost_date'],
          incremental_strategy='delete+insert') }}
with day_versions as (
  select source_relation, cost_date as day, max(last_extracted_at) as last_extracted_at
  from (
    select source_relation, cost_date, last_extracted_at from {{ ref('openai__daily_costs') }}
    union all
    select source_relation, usage_date, last_extracted_at from {{ ref('openai__daily_usage') }}
  ) as versions
  group by source_relation, cost_date
),
days as (
  select source_relation, day, last_extracted_at from day_versions
  {% if is_incremental() -%}
  where last_extracted_at > {{ openai_analytics.openai_watermark('last_extracted_at') }}
  {%- endif %}
),
costs as (
  select
    c.daily_cost_id, c.source_relation, c.cost_date, c.project_id, c.project_name, c.line_item, c.api_key_id,
    c.currency, c.billed_cost, days.last_extracted_at,
    cast(round(c.billed_cost * 1000000000) as {{ dbt.type_bigint() }}) as billed_nanos
  from {{ ref('openai__daily_costs') }} as c
  inner join days on days.source_relation = c.source_relation and days.day = c.cost_date
),
line_items as (
  select source_relation, line_item, usage_product, usage_measure, model, is_batch
  from {{ ref('int_openai__line_items') }}
),
usage as (
  select source_relation, usage_date, product, project_id, model, user_id, api_key_id, batch,
    input_tokens, input_cached_tokens, input_uncached_tokens, output_tokens, images, characters, seconds, sessions,
    tool_calls, usage_bytes
  from {{ ref('openai__daily_usage') }} as u
  {% if is_incremental() -%}
  where exists (select 1 from days where days.source_relation = u.source_relation and days.day = u.usage_date)
  {%- endif %}
),
matches as (
  select costs.daily_cost_id, costs.source_relation, costs.cost_date, costs.project_id, costs.api_key_id,
    line_items.usage_product, line_items.usage_measure, line_items.model, line_items.is_batch
  from costs
  inner join line_items
    on line_items.source_relation = costs.source_relation and line_items.line_item = costs.line_item
),
{#- The usage behind each cost row: same connection, day, product and project (every project when the cost row has
    none: costs synced without project_id), model (when the line item names one), batch flag and API key (when both
    name one). Two joins instead of one with "or", so that the project is an equality the database can hash. -#}
{% set same_usage %}
    usage.source_relation = matches.source_relation
    and usage.usage_date = matches.cost_date
    and usage.product = matches.usage_product
{% endset %}
{% set also %}
    and (matches.model is null or usage.model = matches.model)
    and (matches.is_batch is null or usage.batch is null or usage.batch = matches.is_batch)
    and (matches.api_key_id is null or usage.api_key_id is null or usage.api_key_id = matches.api_key_id)
{% endset %}
matched_usage as (
  select matches.daily_cost_id, matches.api_key_id as cost_api_key_id, matches.usage_measure, usage.*
  from matches
  inner join usage on {{ same_usage }} and usage.project_id = matches.project_id {{ also }}
  union all
  select matches.daily_cost_id, matches.api_key_id as cost_api_key_id, matches.usage_measure, usage.*
  from matches
  inner join usage on {{ same_usage }} and matches.project_id is null {{ also }}
),
candidates as (
  select
    daily_cost_id,
    user_id,
    coalesce(cost_api_key_id, api_key_id) as api_key_id,
    sum(case usage_measure
      {% for measure in ['input_tokens', 'input_cached_tokens', 'input_uncached_tokens', 'output_tokens', 'images',
                         'characters', 'seconds', 'sessions', 'tool_calls', 'usage_bytes'] -%}
      when '{{ measure }}' then {{ measure }}
      {% endfor -%}
    end) as weight
  from matched_usage
  group by daily_cost_id, user_id, coalesce(cost_api_key_id, api_key_id)
),
weighted as (
  select
    candidates.*,
    sum(weight) over (partition by daily_cost_id) as total_weight,
    sum(weight) over (
      partition by daily_cost_id order by coalesce(user_id, ''), coalesce(api_key_id, '')
      rows between unbounded preceding and current row
    ) as cumulative_weight
  from candidates
  where weight > 0
),
shares as (
  select
    weighted.daily_cost_id,
    weighted.user_id,
    weighted.api_key_id,
    weighted.weight,
    weighted.total_weight,
    floor(cast(costs.billed_nanos as {{ openai_analytics.openai_type_double() }})
          * (cast(weighted.cumulative_weight as {{ openai_analytics.openai_type_double() }}) / weighted.total_weight))
    - floor(cast(costs.billed_nanos as {{ openai_analytics.openai_type_double() }})
          * (cast(weighted.cumulative_weight - weighted.weight as {{ openai_analytics.openai_type_double() }}) / weighted.total_weight))
      as allocated_nanos
  from weighted
  inner join costs on costs.daily_cost_id = weighted.daily_cost_id
),
allocated as (
  select
    costs.daily_cost_id, costs.source_relation, costs.cost_date, costs.project_id, costs.project_name,
    costs.line_item, costs.currency, costs.billed_cost, costs.last_extracted_at,
    shares.user_id,
    shares.api_key_id,
    case when shares.user_id is not null then 'user'
         when shares.api_key_id is not null then 'api_key'
         else 'project' end as allocation,
    cast(shares.weight as {{ openai_analytics.openai_type_double() }}) / shares.total_weight as allocation_share,
    shares.allocated_nanos
  from shares
  inner join costs on costs.daily_cost_id = shares.daily_cost_id
),
unallocated as (
  select
    costs.daily_cost_id, costs.source_relation, costs.cost_date, costs.project_id, costs.project_name,
    costs.line_item, costs.currency, costs.billed_cost, costs.last_extracted_at,
    cast(null as {{ dbt.type_string() }}) as user_id,
    costs.api_key_id,
    'unallocated' as allocation,
    cast(1 as {{ openai_analytics.openai_type_double() }}) as allocation_share,
    costs.billed_nanos as allocated_nanos
  from costs
  where not exists (select 1 from shares where shares.daily_cost_id = costs.daily_cost_id)
),
combined as (
  select * from allocated
  union all
  select * from unallocated
)
select
  {{ openai_analytics.openai_surrogate_key(['combined.daily_cost_id', 'combined.user_id', 'combined.api_key_id',
      'combined.allocation']) }} as cost_allocation_id,
  combined.daily_cost_id,
  combined.cost_date,
  combined.project_id,
  combined.project_name,
  combined.line_item,
  line_items.usage_product,
  line_items.usage_measure,
  combined.user_id,
  users.email as user_email,
  combined.api_key_id,
  keys.api_key_name,
  combined.allocation,
  combined.allocation_share,
  {{ openai_analytics.openai_nanos_to_money('combined.allocated_nanos') }} as allocated_cost,
  combined.billed_cost as line_billed_cost,
  combined.currency,
  combined.last_extracted_at,
  combined.source_relation
from combined
left join line_items
  on line_items.source_relation = combined.source_relation and line_items.line_item = combined.line_item
left join {{ ref('stg_openai__users') }} as users
  on users.source_relation = combined.source_relation and users.user_id = combined.user_id
left join {{ ref('int_openai__api_keys_listed') }} as keys
  on keys.source_relation = combined.source_relation and keys.api_key_id = combined.api_key_id
