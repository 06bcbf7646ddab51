{#- Generic test: no two rows share the same values of `combination_of_columns` (nulls compare equal, as in a
    grain). Usage: tests: [{openai_analytics.unique_combination: {combination_of_columns: [a, b]}}] -#}
{% test unique_combination(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as rows_in_group
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
