{#- Each billed cost row shared out to the users and API keys whose usage of the matching product (and model, and
    batch flag) made it, in proportion to the measure the line item is priced on. Exact: the amounts are split in
    nano-units with cumulative floors, so each cost row's shares add up to its billed cost to the last digit.
    Cost that no usage explains is one row with allocation = 'unallocated'. docs/analytics.md § Allocation. -#}
with costs as (
  select
    daily_cost_id, source_relation, cost_date, project_id, project_name, line_item, api_key_id, currency, billed_cost,
    cast(round(billed_cost * 1000000000) as {{ dbt.type_bigint() }}) as billed_nanos
  from {{ ref('openai__daily_costs') }}
),
line_items as (
  select source_relation, line_item, usage_product, usage_measure, model, is_batch
  from {{ ref('int_openai__line_items') }}
),
usage as (
  select source_relation, usage_date, product, project_id, model, user_id, api_key_id, batch,
    input_tokens, input_cached_tokens, input_uncached_tokens, output_tokens, images, characters, seconds, sessions,
    tool_calls, usage_bytes
  from {{ ref('openai__daily_usage') }}
),
candidates as (
  select
    costs.daily_cost_id,
    usage.user_id,
    coalesce(costs.api_key_id, usage.api_key_id) as api_key_id,
    sum(case line_items.usage_measure
      {% for measure in ['input_tokens', 'input_cached_tokens', 'input_uncached_tokens', 'output_tokens', 'images',
                         'characters', 'seconds', 'sessions', 'tool_calls', 'usage_bytes'] -%}
      when '{{ measure }}' then usage.{{ measure }}
      {% endfor -%}
    end) as weight
  from costs
  inner join line_items
    on line_items.source_relation = costs.source_relation and line_items.line_item = costs.line_item
  inner join usage
    on usage.source_relation = costs.source_relation
    and usage.usage_date = costs.cost_date
    and usage.product = line_items.usage_product
    and (costs.project_id is null or usage.project_id = costs.project_id)
    and (line_items.model is null or usage.model = line_items.model)
    and (line_items.is_batch is null or usage.batch is null or usage.batch = line_items.is_batch)
    and (costs.api_key_id is null or usage.api_key_id is null or usage.api_key_id = costs.api_key_id)
  group by costs.daily_cost_id, usage.user_id, coalesce(costs.api_key_id, usage.api_key_id)
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
    costs.line_item, costs.currency, costs.billed_cost,
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
    costs.line_item, costs.currency, costs.billed_cost,
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
  combined.source_relation
from combined
left join line_items
  on line_items.source_relation = combined.source_relation and line_items.line_item = combined.line_item
left join {{ ref('stg_openai__users') }} as users
  on users.source_relation = combined.source_relation and users.user_id = combined.user_id
left join {{ ref('int_openai__api_keys_listed') }} as keys
  on keys.source_relation = combined.source_relation and keys.api_key_id = combined.api_key_id
