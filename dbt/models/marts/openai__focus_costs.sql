{#- The bill in FOCUS 1.2 (FinOps Open Cost and Usage Specification): one row per billed cost row, with every
    mandatory column and the conditional ones OpenAI's data supports. Column rules: tests/focus_*.sql and
    docs/analytics.md § FOCUS. OpenAI's Costs API reports what is billed at list price, without discounts,
    commitments or invoices, so ListCost = ContractedCost = EffectiveCost = BilledCost. -#}
{{ config(materialized=openai_analytics.openai_materialization(),
          unique_key=[adapter.quote('x_SourceRelation'), adapter.quote('x_ChargeDate')], incremental_strategy='delete+insert') }}
with costs as (
  select * from {{ ref('openai__daily_costs') }} as c
  {% if is_incremental() -%}
  {#- whole days, as openai__daily_costs rebuilds them -#}
  where exists (
    select 1 from {{ ref('openai__daily_costs') }} as changed
    where changed.source_relation = c.source_relation and changed.cost_date = c.cost_date
      and changed.last_extracted_at > {{ openai_analytics.openai_watermark(adapter.quote('x_LastExtractedAt')) }}
  )
  {%- endif %}
),
organization as (
  {#- The billing account is the organisation: its id is the connection (source_relation); OpenAI's costs rows do
      not carry the organisation id. -#}
  select distinct source_relation from costs
)
select
  costs.daily_cost_id as {{ adapter.quote("x_DailyCostId") }},
  cast(costs.billed_cost as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("BilledCost") }},
  cast(costs.billed_cost as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("EffectiveCost") }},
  cast(costs.billed_cost as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("ListCost") }},
  cast(costs.billed_cost as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("ContractedCost") }},
  upper(costs.currency) as {{ adapter.quote("BillingCurrency") }},
  costs.charge_period_start as {{ adapter.quote("ChargePeriodStart") }},
  costs.charge_period_end as {{ adapter.quote("ChargePeriodEnd") }},
  cast({{ dbt.date_trunc('month', 'costs.charge_period_start') }} as {{ dbt.type_timestamp() }}) as {{ adapter.quote("BillingPeriodStart") }},
  cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'costs.charge_period_start')) }} as {{ dbt.type_timestamp() }}) as {{ adapter.quote("BillingPeriodEnd") }},
  cast('Usage' as {{ dbt.type_string() }}) as {{ adapter.quote("ChargeCategory") }},
  cast(null as {{ dbt.type_string() }}) as {{ adapter.quote("ChargeClass") }},
  cast('Usage-Based' as {{ dbt.type_string() }}) as {{ adapter.quote("ChargeFrequency") }},
  coalesce(costs.line_item, 'OpenAI API usage') as {{ adapter.quote("ChargeDescription") }},
  cast('OpenAI' as {{ dbt.type_string() }}) as {{ adapter.quote("ProviderName") }},
  cast('OpenAI' as {{ dbt.type_string() }}) as {{ adapter.quote("PublisherName") }},
  cast('OpenAI' as {{ dbt.type_string() }}) as {{ adapter.quote("InvoiceIssuerName") }},
  cast('OpenAI API' as {{ dbt.type_string() }}) as {{ adapter.quote("ServiceName") }},
  cast('AI and Machine Learning' as {{ dbt.type_string() }}) as {{ adapter.quote("ServiceCategory") }},
  cast(case when costs.usage_product = 'vector_stores' then 'Other (AI and Machine Learning)'
            when costs.line_item like '%fine-tun%' or costs.line_item like '%training%' then 'Machine Learning'
            else 'Generative AI' end as {{ dbt.type_string() }}) as {{ adapter.quote("ServiceSubcategory") }},
  organization.source_relation as {{ adapter.quote("BillingAccountId") }},
  organization.source_relation as {{ adapter.quote("BillingAccountName") }},
  costs.project_id as {{ adapter.quote("SubAccountId") }},
  case when costs.project_id is not null then coalesce(costs.project_name, costs.project_id) end as {{ adapter.quote("SubAccountName") }},
  case when costs.project_id is not null then 'Project' end as {{ adapter.quote("SubAccountType") }},
  coalesce(costs.line_item, 'OpenAI API usage') as {{ adapter.quote("SkuId") }},
  cast(coalesce(costs.quantity, 0) as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("ConsumedQuantity") }},
  coalesce(costs.quantity_unit, 'Units') as {{ adapter.quote("ConsumedUnit") }},
  cast(coalesce(costs.quantity, 0) as {{ openai_analytics.openai_type_money() }}) as {{ adapter.quote("PricingQuantity") }},
  coalesce(costs.quantity_unit, 'Units') as {{ adapter.quote("PricingUnit") }},
  cast('Standard' as {{ dbt.type_string() }}) as {{ adapter.quote("PricingCategory") }},
  {#- Provider-defined tags carry the prefix "openai/" (FOCUS: provider tag keys are prefixed). -#}
  {{ dbt.concat(["'{'",
      "'\"openai/project_id\": '", "case when costs.project_id is null then 'null' else " ~ dbt.concat(["'\"'", "costs.project_id", "'\"'"]) ~ " end",
      "', \"openai/api_key_id\": '", "case when costs.api_key_id is null then 'null' else " ~ dbt.concat(["'\"'", "costs.api_key_id", "'\"'"]) ~ " end",
      "'}'"]) }} as {{ adapter.quote("Tags") }},
  costs.api_key_id as {{ adapter.quote("x_ApiKeyId") }},
  costs.api_key_name as {{ adapter.quote("x_ApiKeyName") }},
  costs.cost_date as {{ adapter.quote("x_ChargeDate") }},
  costs.last_extracted_at as {{ adapter.quote("x_LastExtractedAt") }},
  costs.source_relation as {{ adapter.quote("x_SourceRelation") }}
from costs
inner join organization on organization.source_relation = costs.source_relation
