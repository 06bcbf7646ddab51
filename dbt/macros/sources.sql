{#- Reading the connector's tables: one or several connections, an optional table prefix, tables or columns that a
    connection does not have. Every staging model starts with openai_source(); see docs/analytics.md. -#}

{% macro openai_connections() -%}
  {#- The connections to read: `openai_sources` when set, otherwise one from openai_database/openai_schema. -#}
  {%- set listed = var('openai_sources', []) or [] -%}
  {%- if listed | length > 0 -%}
    {%- set out = [] -%}
    {%- for item in listed -%}
      {%- if item.get('schema') is none or item.get('name') is none -%}
        {{ exceptions.raise_compiler_error("openai_sources: every entry needs `schema` and `name` (and optionally `database`), got " ~ item) }}
      {%- endif -%}
      {%- do out.append({'database': item.get('database') or target.database, 'schema': item['schema'], 'name': item['name']}) -%}
    {%- endfor -%}
    {{ return(out) }}
  {%- endif -%}
  {%- set schema = var('openai_schema', none) or target.schema -%}
  {{ return([{'database': var('openai_database', none) or target.database, 'schema': schema, 'name': schema}]) }}
{%- endmacro %}


{% macro openai_find_relation(database, schema, identifier) -%}
  {#- The table as the destination named it: as written, lower case (Postgres, DuckDB) or upper case (Snowflake). -#}
  {%- for name in [identifier, identifier | lower, identifier | upper] | unique -%}
    {%- set relation = adapter.get_relation(database=database, schema=schema, identifier=name) -%}
    {%- if relation is not none -%}
      {{ return(relation) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}


{% macro openai_source(stream, columns) -%}
  {#- The union of `stream` over every connection, with exactly `columns` (a list of [name, type] or [name, type,
      alias] items, types as openai_type() names them; an alias renames a column whose name is an SQL keyword), plus source_relation, _airbyte_raw_id and _airbyte_extracted_at. A column a table
      lacks is null; a connection without the table adds nothing; when no connection has it, or its
      openai_using_<stream> variable is false, the result is empty with the same columns. -#}
  {%- set all_columns = columns + [['_airbyte_raw_id', 'string'], ['_airbyte_extracted_at', 'timestamp']] -%}
  {%- set parts = [] -%}
  {%- if execute and var('openai_using_' ~ stream, true) -%}
    {%- for connection in openai_analytics.openai_connections() -%}
      {%- set relation = openai_analytics.openai_find_relation(connection.database, connection.schema, var('openai_table_prefix', '') ~ stream) -%}
      {%- if relation is not none -%}
        {%- set present = {} -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
          {%- do present.update({column.name | lower: column.name}) -%}
        {%- endfor -%}
        {%- set selects = [] -%}
        {%- for item in all_columns -%}
          {%- set name, type, alias = item[0], item[1], item[2] if item | length > 2 else item[0] -%}
          {%- if name in present -%}
            {%- do selects.append(openai_analytics.openai_cast(adapter.quote(present[name]), type) ~ ' as ' ~ alias) -%}
          {%- else -%}
            {%- do selects.append(openai_analytics.openai_cast('null', type) ~ ' as ' ~ alias) -%}
          {%- endif -%}
        {%- endfor -%}
        {%- do parts.append('select ' ~ selects | join(', ') ~ ", cast('" ~ connection.name ~ "' as " ~ dbt.type_string() ~ ') as source_relation from ' ~ relation) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if parts | length == 0 -%}
      {%- do log('openai_analytics: no table ' ~ var('openai_table_prefix', '') ~ stream ~ ' in any connection; its models are empty', info=true) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if parts | length == 0 -%}
    {%- set selects = [] -%}
    {%- for item in all_columns -%}
      {%- do selects.append(openai_analytics.openai_cast('null', item[1]) ~ ' as ' ~ (item[2] if item | length > 2 else item[0])) -%}
    {%- endfor -%}
    select {{ selects | join(', ') }}, cast(null as {{ dbt.type_string() }}) as source_relation
    from (select 1 as openai_empty) as openai_empty_source where 1 = 0
  {%- else -%}
    {{ parts | join('\nunion all\n') }}
  {%- endif -%}
{%- endmacro %}


{% macro openai_latest(stream, columns, keys) -%}
  {#- openai_source(), keeping per source_relation and primary key only the row extracted last: a destination in
      append mode holds every version of a re-read usage or cost bucket; the newest one is the truth. -#}
  select {% for item in columns %}{{ item[2] if item | length > 2 else item[0] }}, {% endfor %}source_relation, _airbyte_raw_id, _airbyte_extracted_at
  from (
    select openai_unioned.*,
      row_number() over (
        partition by source_relation{% for key in keys %}, {{ key }}{% endfor %}
        order by _airbyte_extracted_at desc, _airbyte_raw_id desc
      ) as openai_version
    from ({{ openai_analytics.openai_source(stream, columns) }}) as openai_unioned
  ) as openai_versions
  where openai_version = 1
{%- endmacro %}
