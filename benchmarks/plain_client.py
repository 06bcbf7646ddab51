"""Baseline 1, the physical reference: a plain `requests` + `json` loop printing Airbyte RECORD messages.

    python -m benchmarks.plain_client CONFIG_JSON BUCKET_WIDTH NOW_EPOCH

Reads the same pages as the connector (same endpoints, limits, time ranges), one request at a time, and prints each
record as `{"type":"RECORD","record":{"stream","data","emitted_at"}}`. No schema, no state, no error handling.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

import requests

from .endpoints import endpoints, key_for


def main() -> int:
    config = json.loads(open(sys.argv[1]).read())
    bucket_width = sys.argv[2]
    base = config["api_base_url"]
    start = int(datetime.strptime(config["start_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
    session = requests.Session()
    out = sys.stdout
    encoder = json.JSONEncoder(separators=(",", ":"))
    dumps = encoder.encode
    for entry in endpoints(bucket_width):
        stream = entry["stream"]
        headers = {"Authorization": f"Bearer {key_for(entry, config)}"}
        params = {k: (str(start) if v == "START" else v) for k, v in entry["params"].items()}
        if entry["style"] == "buckets":
            # the whole range from the bucket of start_date to now, `limit` buckets per page, `next_page` onwards
            query = dict(params, start_time=start // entry["width"] * entry["width"], end_time=int(time.time()))
            while True:
                body = session.get(base + entry["path"], params=query, headers=headers).json()
                emitted = int(time.time() * 1000)
                for bucket in body["data"]:
                    for result in bucket["results"]:
                        out.write(
                            dumps(
                                {"type": "RECORD", "record": {"stream": stream, "data": result, "emitted_at": emitted}}
                            )
                        )
                        out.write("\n")
                if not (body.get("has_more") and body.get("next_page")):
                    break
                query = dict(query, page=body["next_page"])
            continue
        query = dict(params)
        while True:
            body = session.get(base + entry["path"], params=query, headers=headers).json()
            emitted = int(time.time() * 1000)
            for record in body["data"]:
                out.write(
                    dumps({"type": "RECORD", "record": {"stream": stream, "data": record, "emitted_at": emitted}})
                )
                out.write("\n")
            token = (
                body.get("next")
                if entry["style"] == "next"
                else (body.get("last_id") or (body["data"][-1]["id"] if body["data"] else None))
            )
            if not body.get("has_more") or not token:
                break
            query = dict(query, after=token)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
