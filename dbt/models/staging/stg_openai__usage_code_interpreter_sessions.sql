{{ openai_analytics.openai_usage_staging('usage_code_interpreter_sessions', 'code_interpreter_sessions', {'sessions': 'num_sessions'}) }}
