{{ openai_analytics.openai_usage_staging('usage_images', 'images', {'images': 'images', 'num_model_requests': 'num_model_requests'}) }}
