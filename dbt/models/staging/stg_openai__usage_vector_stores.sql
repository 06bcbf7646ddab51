{{ openai_analytics.openai_usage_staging('usage_vector_stores', 'vector_stores', {'usage_bytes': 'usage_bytes'}) }}
