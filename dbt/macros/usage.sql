{#- The measures every usage product is reported in, in openai__daily_usage's column order. -#}
{% macro openai_usage_measures() -%}
  {{ return(['input_tokens', 'input_cached_tokens', 'output_tokens', 'input_audio_tokens', 'output_audio_tokens',
             'num_model_requests', 'images', 'characters', 'seconds', 'sessions', 'tool_calls', 'usage_bytes']) }}
{%- endmacro %}


{% macro openai_usage_staging(stream, product, measures) -%}
  {#- One usage stream in the common shape: bucket, the dimensions (null where the endpoint has none or the sync did
      not group by it), and each measure of openai_usage_measures() from the stream's column named in `measures`
      (measure -> column; the others are null). Latest extraction per surrogate_key. -#}
  {%- set dims = ['project_id', 'user_id', 'api_key_id', 'model', 'service_tier'] -%}
  {%- set columns = [['surrogate_key', 'string'], ['start_time', 'bigint'], ['end_time', 'bigint'], ['batch', 'boolean']] -%}
  {%- for dim in dims -%}{%- do columns.append([dim, 'string']) -%}{%- endfor -%}
  {%- for column in measures.values() | unique -%}{%- do columns.append([column, 'bigint']) -%}{%- endfor -%}
  with latest as (
    {{ openai_analytics.openai_latest(stream, columns, ['surrogate_key']) }}
  )
  select
    surrogate_key as usage_id,
    source_relation,
    cast('{{ product }}' as {{ dbt.type_string() }}) as product,
    start_time,
    end_time,
    cast({{ openai_analytics.openai_epoch_to_timestamp('start_time') }} as date) as usage_date,
    {% for dim in dims %}{{ dim }},
    {% endfor %}batch,
    {% for measure in openai_analytics.openai_usage_measures() -%}
    {%- if measure in measures -%}
    {{ measures[measure] }} as {{ measure }},
    {% else -%}
    cast(null as {{ dbt.type_bigint() }}) as {{ measure }},
    {% endif -%}
    {%- endfor -%}
    _airbyte_extracted_at
  from latest
{%- endmacro %}
