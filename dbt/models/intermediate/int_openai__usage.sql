{#- Every usage product's rows in one shape (see macros/usage.sql). -#}
{% set products = ['completions', 'embeddings', 'moderations', 'images', 'audio_speeches', 'audio_transcriptions',
                   'vector_stores', 'code_interpreter_sessions', 'file_search_calls', 'web_search_calls'] %}
{% for product in products %}
select * from {{ ref('stg_openai__usage_' ~ product) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
