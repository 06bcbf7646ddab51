{{ openai_analytics.openai_usage_staging('usage_audio_speeches', 'audio_speeches', {'characters': 'characters', 'num_model_requests': 'num_model_requests'}) }}
