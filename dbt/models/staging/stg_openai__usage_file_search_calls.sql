{{ openai_analytics.openai_usage_staging('usage_file_search_calls', 'file_search_calls', {'tool_calls': 'num_requests'}) }}
