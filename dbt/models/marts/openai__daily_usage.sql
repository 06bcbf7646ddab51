{#- All ten usage endpoints in one table, one row per day, product, project, model, user, API key, service tier and
    batch flag (null where the endpoint does not report the dimension or the sync did not group by it). -#}
{{ config(materialized=openai_analytics.openai_materialization(), unique_key=['source_relation', 'usage_date'],
          incremental_strategy='delete+insert') }}
{% set measures = openai_analytics.openai_usage_measures() %}
with changed_days as (
  {{ openai_analytics.openai_changed_days(ref('int_openai__usage'), 'usage_date', '_airbyte_extracted_at') }}
),
usage as (
  select
    staged.source_relation, staged.usage_date, product, project_id, model, user_id, api_key_id, service_tier, batch,
    {% for measure in measures %}cast(sum({{ measure }}) as {{ dbt.type_bigint() }}) as {{ measure }}{% if not loop.last %},
    {% endif %}{% endfor %},
    max(_airbyte_extracted_at) as last_extracted_at
  from {{ ref('int_openai__usage') }} as staged
  {% if is_incremental() -%}
  inner join changed_days
    on changed_days.source_relation = staged.source_relation and changed_days.changed_date = staged.usage_date
  {% endif -%}
  group by staged.source_relation, staged.usage_date, product, project_id, model, user_id, api_key_id, service_tier, batch
)
select
  {{ openai_analytics.openai_surrogate_key(['usage.source_relation', 'usage.usage_date', 'usage.product',
      'usage.project_id', 'usage.model', 'usage.user_id', 'usage.api_key_id', 'usage.service_tier', 'usage.batch']) }}
    as daily_usage_id,
  usage.usage_date,
  usage.product,
  usage.project_id,
  projects.project_name,
  usage.model,
  usage.user_id,
  usage.api_key_id,
  usage.service_tier,
  usage.batch,
  {% for measure in measures %}usage.{{ measure }},
  {% endfor %}usage.input_tokens - coalesce(usage.input_cached_tokens, 0) as input_uncached_tokens,
  usage.last_extracted_at,
  usage.source_relation
from usage
left join {{ ref('stg_openai__projects') }} as projects
  on projects.source_relation = usage.source_relation and projects.project_id = usage.project_id
