{{ openai_analytics.openai_usage_staging('usage_audio_transcriptions', 'audio_transcriptions', {'seconds': 'seconds', 'num_model_requests': 'num_model_requests'}) }}
