{{ openai_analytics.openai_usage_staging('usage_web_search_calls', 'web_search_calls', {'tool_calls': 'num_requests', 'num_model_requests': 'num_model_requests'}) }}
