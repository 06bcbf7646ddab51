"""Baseline 2, the framework floor: a bare airbyte-cdk manifest reading the same endpoints as the connector.

    python -m benchmarks.bare_source read --config C --catalog K     (BUCKET_WIDTH in the environment, default 1h)

Each stream is a SimpleRetriever with the connector's requests (same limits, paginators, usage ranges and
concurrency), a DpathExtractor and nothing else: no transformations, no custom components, no schema
normalisation, open schemas. The entrypoint is the CDK's own (`launch`), with its default message serializer.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List

from airbyte_cdk.entrypoint import AirbyteEntrypoint, launch
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource

from .endpoints import endpoints


def _paginator(style: str, page_size: Any) -> Dict[str, Any]:
    if style == "buckets":
        return {
            "type": "DefaultPaginator",
            "page_token_option": {"type": "RequestOption", "inject_into": "request_parameter", "field_name": "page"},
            "pagination_strategy": {
                "type": "CursorPagination",
                "cursor_value": "{{ response.get('next_page') }}",
                "stop_condition": "{{ not response.get('has_more') or not response.get('next_page') }}",
            },
        }
    cursor = (
        "{{ response.get('next') }}"
        if style == "next"
        else "{{ response.get('last_id') or (last_record or {}).get('id') }}"
    )
    stop = (
        "{{ not response.get('has_more') or not response.get('next') }}"
        if style == "next"
        else "{{ not response.get('has_more') or not (response.get('last_id') or last_record) }}"
    )
    return {
        "type": "DefaultPaginator",
        "page_size_option": {"type": "RequestOption", "inject_into": "request_parameter", "field_name": "limit"},
        "page_token_option": {"type": "RequestOption", "inject_into": "request_parameter", "field_name": "after"},
        "pagination_strategy": {
            "type": "CursorPagination",
            "page_size": page_size,
            "cursor_value": cursor,
            "stop_condition": stop,
        },
    }


def manifest(bucket_width: str) -> Dict[str, Any]:
    streams: List[Dict[str, Any]] = []
    for entry in endpoints(bucket_width):
        key = "admin_api_key" if entry["key"] == "admin" else "project_api_key"
        params = {k: v for k, v in entry["params"].items() if not (k == "limit" and entry["style"] != "buckets")}
        if "effective_at[gte]" in params:
            params["effective_at[gte]"] = "{{ format_datetime(config['start_date'], '%s') }}"
        if isinstance(params.get("group_by"), list):
            params["group_by"] = "{{ " + repr(params["group_by"]) + " }}"
        stream: Dict[str, Any] = {
            "type": "DeclarativeStream",
            "name": entry["stream"],
            "primary_key": [],
            "schema_loader": {"type": "InlineSchemaLoader", "schema": {"type": "object"}},
            "retriever": {
                "type": "SimpleRetriever",
                "requester": {
                    "type": "HttpRequester",
                    "url": "{{ config['api_base_url'] }}" + entry["path"],
                    "http_method": "GET",
                    "authenticator": {"type": "BearerAuthenticator", "api_token": "{{ config['%s'] }}" % key},
                    "request_parameters": {k: str(v) if not isinstance(v, str) else v for k, v in params.items()},
                },
                "paginator": _paginator(entry["style"], entry["params"].get("limit")),
                "record_selector": {
                    "type": "RecordSelector",
                    "extractor": {
                        "type": "DpathExtractor",
                        "field_path": ["data", "*", "results", "*"] if entry["style"] == "buckets" else ["data"],
                    },
                },
            },
        }
        if entry["style"] == "buckets":
            stream["incremental_sync"] = {
                "type": "DatetimeBasedCursor",
                "cursor_field": "start_time",
                "datetime_format": "%s",
                "cursor_datetime_formats": ["%s"],
                "start_datetime": {
                    "type": "MinMaxDatetime",
                    "datetime": "{{ config['start_date'] }}",
                    "datetime_format": "%Y-%m-%dT%H:%M:%SZ",
                },
                "end_datetime": {
                    "type": "MinMaxDatetime",
                    "datetime": "{{ now_utc().strftime('%Y-%m-%dT%H:%M:%SZ') }}",
                    "datetime_format": "%Y-%m-%dT%H:%M:%SZ",
                },
                "start_time_option": {
                    "type": "RequestOption",
                    "inject_into": "request_parameter",
                    "field_name": "start_time",
                },
                "end_time_option": {
                    "type": "RequestOption",
                    "inject_into": "request_parameter",
                    "field_name": "end_time",
                },
            }
        streams.append(stream)
    return {
        "version": "7.39.1",
        "type": "DeclarativeSource",
        "check": {"type": "CheckStream", "stream_names": [streams[0]["name"]]},
        "concurrency_level": {
            "type": "ConcurrencyLevel",
            "default_concurrency": "{{ config.get('num_workers', 4) }}",
            "max_concurrency": 10,
        },
        "streams": streams,
        "spec": {
            "type": "Spec",
            "connection_specification": {"type": "object", "additionalProperties": True, "properties": {}},
        },
    }


def main() -> None:
    args = sys.argv[1:]
    bucket_width = os.environ.get("BUCKET_WIDTH", "1h")
    config_path = AirbyteEntrypoint.extract_config(args)
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config = ConcurrentDeclarativeSource.read_config(config_path) if config_path else None
    catalog = ConcurrentDeclarativeSource.read_catalog(catalog_path) if catalog_path else None
    source = ConcurrentDeclarativeSource(
        catalog=catalog, config=config, state=None, source_config=manifest(bucket_width)
    )
    launch(source, args)


if __name__ == "__main__":
    main()
