{#- Incremental models (openai__daily_costs, openai__daily_usage, openai__cost_allocation, openai__focus_costs):
    a run rebuilds only the days that received rows extracted after the model's last build (new days, and days
    the connector re-read: its lookback window, OpenAI's restatements), whole days at a time (delete+insert by
    connection and day). `openai_incremental: false` makes them plain tables (BigQuery: dbt-bigquery has no
    delete+insert strategy). `dbt build --full-refresh` rebuilds everything. -#}

{% macro openai_materialization() -%}
  {{ return('incremental' if var('openai_incremental', true) else 'table') }}
{%- endmacro %}


{% macro openai_changed_days(relation, date_column, extracted_column) -%}
  {#- The (source_relation, day) pairs of `relation` to (re)build: every pair on a full build; on an incremental
      run those with rows extracted after the newest one this model holds. -#}
  select distinct source_relation, {{ date_column }} as changed_date
  from {{ relation }}
  {%- if is_incremental() %}
  where {{ extracted_column }} > {{ openai_analytics.openai_watermark('last_extracted_at') }}
  {%- endif %}
{%- endmacro %}


{% macro openai_watermark(column) -%}
  {#- The newest extraction this incremental model holds (a very old time when it is empty, e.g. after its source
      was switched off). -#}
  (select coalesce(max({{ column }}), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})) from {{ this }})
{%- endmacro %}
