{#- Portable types and expressions. DuckDB is tested in CI; Postgres, Snowflake and BigQuery are written for
    (adapter.dispatch) but not run. -#}

{% macro openai_cast(expression, type) -%}
  {%- if type == 'json' -%}
    {#- JSON stays as the destination stored it (JSON, jsonb, VARIANT); a null gets the adapter's JSON type. -#}
    {%- if expression == 'null' -%}cast(null as {{ openai_analytics.openai_type('json') }}){%- else -%}{{ expression }}{%- endif -%}
  {%- else -%}
    cast({{ expression }} as {{ openai_analytics.openai_type(type) }})
  {%- endif -%}
{%- endmacro %}


{% macro openai_type(name) -%}
  {%- if name == 'string' -%}{{ dbt.type_string() }}
  {%- elif name == 'bigint' -%}{{ dbt.type_bigint() }}
  {%- elif name == 'timestamp' -%}{{ dbt.type_timestamp() }}
  {%- elif name == 'boolean' -%}{{ dbt.type_boolean() }}
  {%- elif name == 'money' -%}{{ openai_analytics.openai_type_money() }}
  {%- elif name == 'double' -%}{{ openai_analytics.openai_type_double() }}
  {%- elif name == 'json' -%}{{ openai_analytics.openai_type_json() }}
  {%- else -%}{{ exceptions.raise_compiler_error('openai_type: unknown type ' ~ name) }}
  {%- endif -%}
{%- endmacro %}


{#- Money and quantities: 9 decimal places (what the API's floats carry and Airbyte's DuckDB cache stores). -#}
{% macro openai_type_money() %}{{ return(adapter.dispatch('openai_type_money', 'openai_analytics')()) }}{% endmacro %}
{% macro default__openai_type_money() %}numeric(38, 9){% endmacro %}
{% macro snowflake__openai_type_money() %}number(38, 9){% endmacro %}
{% macro bigquery__openai_type_money() %}bignumeric{% endmacro %}

{% macro openai_type_double() %}{{ return(adapter.dispatch('openai_type_double', 'openai_analytics')()) }}{% endmacro %}
{% macro default__openai_type_double() %}double precision{% endmacro %}
{% macro bigquery__openai_type_double() %}float64{% endmacro %}

{% macro openai_type_json() %}{{ return(adapter.dispatch('openai_type_json', 'openai_analytics')()) }}{% endmacro %}
{% macro default__openai_type_json() %}json{% endmacro %}
{% macro postgres__openai_type_json() %}jsonb{% endmacro %}
{% macro snowflake__openai_type_json() %}variant{% endmacro %}


{#- A JSON object's field as text: openai_json_text('owner', ['user', 'id']). -#}
{% macro openai_json_text(expression, path) %}{{ return(adapter.dispatch('openai_json_text', 'openai_analytics')(expression, path)) }}{% endmacro %}
{% macro default__openai_json_text(expression, path) %}({{ expression }})::jsonb #>> '{ {{- path | join(',') -}} }'{% endmacro %}
{% macro duckdb__openai_json_text(expression, path) %}json_extract_string({{ expression }}, '$.{{ path | join('.') }}'){% endmacro %}
{% macro snowflake__openai_json_text(expression, path) %}get_path({{ expression }}, '{{ path | join('.') }}')::varchar{% endmacro %}
{% macro bigquery__openai_json_text(expression, path) %}json_value({{ expression }}, '$.{{ path | join('.') }}'){% endmacro %}


{#- Unix seconds (UTC) -> a timestamp without time zone, in UTC. -#}
{% macro openai_epoch_to_timestamp(expression) %}{{ return(adapter.dispatch('openai_epoch_to_timestamp', 'openai_analytics')(expression)) }}{% endmacro %}
{% macro default__openai_epoch_to_timestamp(expression) %}(to_timestamp({{ expression }}) at time zone 'UTC'){% endmacro %}
{% macro duckdb__openai_epoch_to_timestamp(expression) %}make_timestamp(cast({{ expression }} as bigint) * 1000000){% endmacro %}
{% macro snowflake__openai_epoch_to_timestamp(expression) %}to_timestamp_ntz({{ expression }}){% endmacro %}
{% macro bigquery__openai_epoch_to_timestamp(expression) %}datetime(timestamp_seconds(cast({{ expression }} as int64))){% endmacro %}


{#- An ISO 8601 text with a zone (2026-11-26T01:00:00Z) -> a timestamp without time zone, in UTC. -#}
{% macro openai_iso_to_timestamp(expression) %}{{ return(adapter.dispatch('openai_iso_to_timestamp', 'openai_analytics')(expression)) }}{% endmacro %}
{% macro default__openai_iso_to_timestamp(expression) %}(cast({{ expression }} as timestamptz) at time zone 'UTC'){% endmacro %}
{% macro duckdb__openai_iso_to_timestamp(expression) %}cast(timezone('UTC', cast({{ expression }} as timestamptz)) as timestamp){% endmacro %}
{% macro snowflake__openai_iso_to_timestamp(expression) %}convert_timezone('UTC', try_to_timestamp_tz({{ expression }}))::timestamp_ntz{% endmacro %}
{% macro bigquery__openai_iso_to_timestamp(expression) %}datetime(timestamp({{ expression }})){% endmacro %}


{#- The reference day (var openai_as_of_date, default today in UTC). -#}
{% macro openai_as_of_date() -%}
  {%- if var('openai_as_of_date', none) -%}cast('{{ var('openai_as_of_date') }}' as date)
  {%- else -%}cast({{ dbt.current_timestamp() }} as date)
  {%- endif -%}
{%- endmacro %}


{#- A stable key for a model's grain: the hash of its columns' values, null written as a marker. -#}
{% macro openai_surrogate_key(columns) -%}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
  {%- endfor -%}
  {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}


{#- Integer nano-units (10^-9) -> the money type, exactly. -#}
{% macro openai_nanos_to_money(expression) %}{{ return(adapter.dispatch('openai_nanos_to_money', 'openai_analytics')(expression)) }}{% endmacro %}
{% macro default__openai_nanos_to_money(expression) %}cast(cast({{ expression }} as numeric(38, 0)) * 0.000000001 as {{ openai_analytics.openai_type_money() }}){% endmacro %}
{% macro snowflake__openai_nanos_to_money(expression) %}cast(cast({{ expression }} as number(38, 0)) * 0.000000001 as number(38, 9)){% endmacro %}
{% macro bigquery__openai_nanos_to_money(expression) %}cast(cast({{ expression }} as bignumeric) * 0.000000001 as bignumeric){% endmacro %}


{#- `from <relation> as <alias>` joined with the elements of the JSON array <alias>.<column> as <element>.value:
    one row per element (rows whose array is null or empty are dropped). -#}
{% macro openai_json_array_rows(relation, alias, column, element) %}{{ return(adapter.dispatch('openai_json_array_rows', 'openai_analytics')(relation, alias, column, element)) }}{% endmacro %}
{% macro default__openai_json_array_rows(relation, alias, column, element) %}{{ relation }} as {{ alias }} cross join lateral jsonb_array_elements(({{ alias }}.{{ column }})::jsonb) as {{ element }}(value){% endmacro %}
{% macro duckdb__openai_json_array_rows(relation, alias, column, element) %}{{ relation }} as {{ alias }} cross join (select unnest(cast(json_extract({{ alias }}.{{ column }}, '$[*]') as json[])) as value) as {{ element }}{% endmacro %}
{% macro snowflake__openai_json_array_rows(relation, alias, column, element) %}{{ relation }} as {{ alias }}, lateral flatten(input => {{ alias }}.{{ column }}) as {{ element }}{% endmacro %}
{% macro bigquery__openai_json_array_rows(relation, alias, column, element) %}{{ relation }} as {{ alias }} cross join unnest(json_query_array({{ alias }}.{{ column }})) as {{ element }}_value cross join (select {{ element }}_value as value) as {{ element }}{% endmacro %}
