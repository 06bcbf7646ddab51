{{ openai_analytics.openai_usage_staging('usage_embeddings', 'embeddings', {'input_tokens': 'input_tokens', 'num_model_requests': 'num_model_requests'}) }}
