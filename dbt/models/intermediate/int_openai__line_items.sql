{#- What each billed line item is: the usage product that measures it, the measure it is priced on and the model
    and batch flag it names. Rules (docs/analytics.md § Allocation); a line item that no rule recognises has no
    product and stays unallocated. -#}
with line_items as (
  select distinct source_relation, line_item, lower(coalesce(line_item, '')) as li
  from {{ ref('stg_openai__costs') }}
),
classified as (
  select
    source_relation,
    line_item,
    li,
    case
      when li like '%fine-tun%' or li like '%fine tun%' or li like '%training%' then null
      when li like '%vector stor%' then 'vector_stores'
      when li like '%code interpreter%' or li like '%container%' then 'code_interpreter_sessions'
      when li like '%file search%' then 'file_search_calls'
      when li like '%web search%' then 'web_search_calls'
      when li like '%image%' then 'images'
      when li like '%speech%' or li like '%tts%' or li like '%character%' then 'audio_speeches'
      when li like '%transcri%' or li like '%whisper%' or li like '%second%' then 'audio_transcriptions'
      when li like '%embedding%' then 'embeddings'
      when li like '%moderation%' then 'moderations'
      when li like '%, %input' or li like '%, %output' then 'completions'
      else null
    end as usage_product
  from line_items
)
select
  source_relation,
  line_item,
  usage_product,
  case usage_product
    when 'completions' then
      case
        when li like '%batch%' and li like '%output' then 'output_tokens'
        when li like '%batch%' then 'input_tokens'
        when li like '%cached input' then 'input_cached_tokens'
        when li like '%output' then 'output_tokens'
        else 'input_uncached_tokens'
      end
    when 'embeddings' then 'input_tokens'
    when 'moderations' then 'input_tokens'
    when 'images' then 'images'
    when 'audio_speeches' then 'characters'
    when 'audio_transcriptions' then 'seconds'
    when 'vector_stores' then 'usage_bytes'
    when 'code_interpreter_sessions' then 'sessions'
    when 'file_search_calls' then 'tool_calls'
    when 'web_search_calls' then 'tool_calls'
  end as usage_measure,
  case
    when usage_product in ('completions', 'embeddings', 'moderations', 'images', 'audio_speeches',
                           'audio_transcriptions', 'web_search_calls') and li like '%, %'
      then {{ dbt.split_part('line_item', "', '", 1) }}
  end as model,
  case
    when usage_product = 'completions' then (li like '%batch%')
  end as is_batch
from classified
