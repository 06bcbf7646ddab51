{#- Codex Enterprise adoption per day, ChatGPT workspace and user: usage totals, code attribution, the models and
    clients used, and (on the workspace's row, user_key 'workspace') code reviews and responses. -#}
with usage as (
  select * from {{ ref('stg_openai__codex_usage') }}
),
clients as (
  select source_relation, workspace_id, usage_date, user_key,
    {{ dbt.listagg('distinct client_id', "', '", "order by client_id") }} as clients_used
  from {{ ref('stg_openai__codex_usage_clients') }}
  group by source_relation, workspace_id, usage_date, user_key
),
models as (
  select source_relation, workspace_id, usage_date, user_key,
    {{ dbt.listagg('distinct model', "', '", "order by model") }} as models_used
  from {{ ref('stg_openai__codex_usage_models') }}
  group by source_relation, workspace_id, usage_date, user_key
),
reviews as (
  select source_relation, workspace_id, usage_date, user_key,
    sum(pull_request_reviews) as code_reviews, sum(comments) as code_review_comments
  from {{ ref('stg_openai__codex_code_reviews') }}
  group by source_relation, workspace_id, usage_date, user_key
),
responses as (
  select source_relation, workspace_id, usage_date, user_key,
    sum(replies) as code_review_replies, sum(reactions) as code_review_reactions,
    sum(comments) as code_review_responses
  from {{ ref('stg_openai__codex_code_review_responses') }}
  group by source_relation, workspace_id, usage_date, user_key
),
spine as (
  select source_relation, workspace_id, usage_date, user_key from usage
  union
  select source_relation, workspace_id, usage_date, user_key from reviews
  union
  select source_relation, workspace_id, usage_date, user_key from responses
)
select
  {{ openai_analytics.openai_surrogate_key(['spine.source_relation', 'spine.workspace_id', 'spine.usage_date', 'spine.user_key']) }}
    as codex_daily_id,
  spine.usage_date,
  spine.workspace_id,
  spine.user_key,
  usage.user_id,
  usage.email,
  coalesce(usage.threads, 0) as threads,
  coalesce(usage.turns, 0) as turns,
  coalesce(usage.credits, 0) as credits,
  usage.lines_added,
  usage.lines_removed,
  models.models_used,
  clients.clients_used,
  coalesce(reviews.code_reviews, 0) as code_reviews,
  coalesce(reviews.code_review_comments, 0) as code_review_comments,
  coalesce(responses.code_review_responses, 0) as code_review_responses,
  coalesce(responses.code_review_replies, 0) as code_review_replies,
  coalesce(responses.code_review_reactions, 0) as code_review_reactions,
  spine.source_relation
from spine
left join usage on usage.source_relation = spine.source_relation and usage.workspace_id = spine.workspace_id
  and usage.usage_date = spine.usage_date and usage.user_key = spine.user_key
left join clients on clients.source_relation = spine.source_relation and clients.workspace_id = spine.workspace_id
  and clients.usage_date = spine.usage_date and clients.user_key = spine.user_key
left join models on models.source_relation = spine.source_relation and models.workspace_id = spine.workspace_id
  and models.usage_date = spine.usage_date and models.user_key = spine.user_key
left join reviews on reviews.source_relation = spine.source_relation and reviews.workspace_id = spine.workspace_id
  and reviews.usage_date = spine.usage_date and reviews.user_key = spine.user_key
left join responses on responses.source_relation = spine.source_relation and responses.workspace_id = spine.workspace_id
  and responses.usage_date = spine.usage_date and responses.user_key = spine.user_key
