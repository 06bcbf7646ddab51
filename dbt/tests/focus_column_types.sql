-- depends_on: {{ ref('openai__focus_costs') }}
{#- FOCUS 1.2 data types: the cost and quantity columns are Decimal (numeric, not floating point), the period
    columns Date/Time, the dimensions String, as the warehouse reports the built table's columns. -#}
{% set expected = {
  'BilledCost': 'decimal', 'EffectiveCost': 'decimal', 'ListCost': 'decimal', 'ContractedCost': 'decimal',
  'ConsumedQuantity': 'decimal', 'PricingQuantity': 'decimal',
  'ChargePeriodStart': 'datetime', 'ChargePeriodEnd': 'datetime', 'BillingPeriodStart': 'datetime', 'BillingPeriodEnd': 'datetime',
  'BillingCurrency': 'string', 'ChargeCategory': 'string', 'ChargeClass': 'string', 'ChargeDescription': 'string',
  'ProviderName': 'string', 'PublisherName': 'string', 'InvoiceIssuerName': 'string', 'ServiceName': 'string',
  'ServiceCategory': 'string', 'BillingAccountId': 'string', 'BillingAccountName': 'string', 'SubAccountId': 'string',
  'SubAccountName': 'string', 'SkuId': 'string', 'ConsumedUnit': 'string', 'PricingUnit': 'string', 'Tags': 'string'} %}
{% set problems = [] %}
{% if execute %}
  {% set found = {} %}
  {% for column in adapter.get_columns_in_relation(ref('openai__focus_costs')) %}
    {% do found.update({column.name | lower: column}) %}
  {% endfor %}
  {% for name, kind in expected.items() %}
    {% set column = found.get(name | lower) %}
    {% if column is none %}
      {% do problems.append(name ~ ' is missing') %}
    {% else %}
      {% set dtype = column.dtype | lower %}
      {% set ok = (kind == 'decimal' and (dtype.startswith('decimal') or dtype.startswith('numeric') or dtype.startswith('number') or dtype.startswith('bignumeric')))
               or (kind == 'datetime' and (dtype.startswith('timestamp') or dtype.startswith('datetime')))
               or (kind == 'string' and column.is_string()) %}
      {% if not ok %}{% do problems.append(name ~ ' has type ' ~ column.dtype ~ ', FOCUS wants ' ~ kind) %}{% endif %}
    {% endif %}
  {% endfor %}
{% endif %}
{% if problems %}
  {% for problem in problems %}select '{{ problem }}' as problem{% if not loop.last %} union all {% endif %}{% endfor %}
{% else %}
  select 'none' as problem from (select 1 as one) as ok where 1 = 0
{% endif %}
