{#- Project and admin API keys as listed by the connector, one row per key id and connection. -#}
with keys as (
  select api_key_id, source_relation, key_type, project_id, api_key_name, owner_type, owner_id, owner_name,
    created_at, last_used_at
  from {{ ref('stg_openai__project_api_keys') }}
  union all
  select api_key_id, source_relation, key_type, project_id, api_key_name, owner_type, owner_id, owner_name,
    created_at, last_used_at
  from {{ ref('stg_openai__admin_api_keys') }}
),
ranked as (
  select keys.*,
    row_number() over (partition by source_relation, api_key_id order by key_type desc, project_id) as openai_rank
  from keys
)
select api_key_id, source_relation, key_type, project_id, api_key_name, owner_type, owner_id, owner_name,
  created_at, last_used_at
from ranked
where openai_rank = 1
