"""The usage and costs streams as the tests expect them: endpoint, the `group_by` values it accepts, the most buckets
per request.

One row per stream; request_builder.usage_request builds a stream's exact request from its row, and
test_usage_costs.py reads every stream of the table at once (group_by intersections, discover).
"""

from dataclasses import dataclass, field
from typing import Dict, Mapping, Tuple

# The most buckets one request of a usage endpoint may ask for (`limit`), per bucket width.
USAGE_MAX_BUCKETS: Mapping[str, int] = {"1d": 31, "1h": 168, "1m": 1440}
# Costs are daily whatever usage_bucket_width says, with up to 180 buckets per request.
COSTS_MAX_BUCKETS: Mapping[str, int] = {"1d": 180}


@dataclass(frozen=True)
class UsageStream:
    name: str
    path: str  # the endpoint under the API base
    group_by: Tuple[str, ...]  # the `group_by` values the endpoint accepts (OpenAPI), in the order they are sent
    # the bucket widths the stream is read in, each with the most buckets (`limit`) per request
    max_buckets: Mapping[str, int] = field(default_factory=lambda: dict(USAGE_MAX_BUCKETS))


USAGE_STREAMS: Dict[str, UsageStream] = {
    s.name: s
    for s in [
        UsageStream(
            "usage_completions",
            "/organization/usage/completions",
            ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
        ),
        UsageStream(
            "usage_embeddings", "/organization/usage/embeddings", ("project_id", "user_id", "api_key_id", "model")
        ),
        UsageStream(
            "usage_moderations", "/organization/usage/moderations", ("project_id", "user_id", "api_key_id", "model")
        ),
        UsageStream(
            "usage_images",
            "/organization/usage/images",
            ("project_id", "user_id", "api_key_id", "model", "size", "source"),
        ),
        UsageStream(
            "usage_audio_speeches",
            "/organization/usage/audio_speeches",
            ("project_id", "user_id", "api_key_id", "model"),
        ),
        UsageStream(
            "usage_audio_transcriptions",
            "/organization/usage/audio_transcriptions",
            ("project_id", "user_id", "api_key_id", "model"),
        ),
        UsageStream("usage_vector_stores", "/organization/usage/vector_stores", ("project_id",)),
        UsageStream(
            "usage_code_interpreter_sessions", "/organization/usage/code_interpreter_sessions", ("project_id",)
        ),
        UsageStream(
            "usage_file_search_calls",
            "/organization/usage/file_search_calls",
            ("project_id", "user_id", "api_key_id", "vector_store_id"),
        ),
        UsageStream(
            "usage_web_search_calls",
            "/organization/usage/web_search_calls",
            ("project_id", "user_id", "api_key_id", "model", "context_level"),
        ),
        UsageStream("costs", "/organization/costs", ("project_id", "line_item", "api_key_id"), COSTS_MAX_BUCKETS),
    ]
}
