{#- FOCUS 1.2 column rules on openai__focus_costs that a not_null or accepted_values test cannot say: formats,
    conditional nullability and cost consistency. One row per violation. -#}
{% set q = adapter.quote %}
with focus as (select * from {{ ref('openai__focus_costs') }})
select 'BillingCurrency is not an upper-case ISO 4217 code' as rule, {{ q('x_DailyCostId') }} as row_id from focus
  where {{ dbt.length(q('BillingCurrency')) }} <> 3 or upper({{ q('BillingCurrency') }}) <> {{ q('BillingCurrency') }}
union all
select 'ChargePeriodStart is not before ChargePeriodEnd', {{ q('x_DailyCostId') }} from focus
  where not ({{ q('ChargePeriodStart') }} < {{ q('ChargePeriodEnd') }})
union all
select 'the charge period lies outside its billing period', {{ q('x_DailyCostId') }} from focus
  where {{ q('ChargePeriodStart') }} < {{ q('BillingPeriodStart') }} or {{ q('ChargePeriodEnd') }} > {{ q('BillingPeriodEnd') }}
union all
select 'SubAccountName is null exactly when SubAccountId is', {{ q('x_DailyCostId') }} from focus
  where ({{ q('SubAccountId') }} is null) <> ({{ q('SubAccountName') }} is null)
union all
select 'ConsumedUnit is null exactly when ConsumedQuantity is', {{ q('x_DailyCostId') }} from focus
  where ({{ q('ConsumedQuantity') }} is null) <> ({{ q('ConsumedUnit') }} is null)
union all
select 'PricingUnit is null exactly when PricingQuantity is', {{ q('x_DailyCostId') }} from focus
  where ({{ q('PricingQuantity') }} is null) <> ({{ q('PricingUnit') }} is null)
union all
select 'Usage rows need SkuId, PricingQuantity, PricingCategory and ConsumedQuantity', {{ q('x_DailyCostId') }} from focus
  where {{ q('ChargeCategory') }} = 'Usage' and {{ q('ChargeClass') }} is null
    and ({{ q('SkuId') }} is null or {{ q('PricingQuantity') }} is null or {{ q('PricingCategory') }} is null
         or {{ q('ConsumedQuantity') }} is null)
union all
select 'a charge unrelated to commitments has EffectiveCost = ListCost = ContractedCost = BilledCost', {{ q('x_DailyCostId') }} from focus
  where {{ q('EffectiveCost') }} <> {{ q('BilledCost') }} or {{ q('ListCost') }} <> {{ q('BilledCost') }}
    or {{ q('ContractedCost') }} <> {{ q('BilledCost') }}
