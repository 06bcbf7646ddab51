"""PartitionFields (components.py): a child record's slice values, the same as AddFields gives, rendered once per
slice; and the warning for a Python whose parser fails under threads (source.py), the reason it exists. That the
manifest adds slice values with PartitionFields only: test_manifest_rules.py."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from airbyte_cdk.sources.declarative.transformations.add_fields import AddedFieldDefinition, AddFields
from airbyte_cdk.sources.types import StreamSlice

from source_openai.components import PartitionFields
from source_openai.source import python_warning

CONFIG = {"api_base_url": "https://api.openai.com/v1"}
FIELDS = {  # the kinds of template the manifest uses
    "log_file_id": "{{ stream_partition['log_file_id'] }}",
    "principal_id": "{{ stream_slice.extra_fields['principal_id'] }}",
    "principal_type": "{{ 'organization' if stream_slice.extra_fields['principal_id'].startswith('org-') "
    "else 'workspace' }}",
    "log_file_end_time": "{{ stream_slice.extra_fields['end_time'] }}",
}


def _slice(n: int, principal: str = "org-abc") -> StreamSlice:
    return StreamSlice(
        partition={"log_file_id": f"file_{n}"},
        cursor_slice={},
        extra_fields={"principal_id": principal, "end_time": 1_790_000_000 + n},
    )


def _partition_fields() -> PartitionFields:
    return PartitionFields(fields=FIELDS, parameters={}, config=CONFIG)


@pytest.mark.parametrize("principal", ["org-abc", "ws_123", "12345"])
def test_values_are_what_add_fields_gives(principal):
    add_fields = AddFields(
        fields=[
            AddedFieldDefinition(path=[name], value=value, value_type=None, parameters={})
            for name, value in FIELDS.items()
        ],
        parameters={},
    )
    stream_slice = _slice(7, principal)
    ours, theirs = {"id": "line_1"}, {"id": "line_1"}
    _partition_fields().transform(ours, config=CONFIG, stream_slice=stream_slice)
    add_fields.transform(theirs, config=CONFIG, stream_slice=stream_slice)
    assert ours == theirs
    assert list(ours) == list(theirs)  # same keys in the same order
    assert isinstance(ours["log_file_end_time"], int)


def test_rendered_once_per_slice_and_never_mixed_up():
    fields = _partition_fields()
    first = _slice(1)
    values = fields.values_for(first, CONFIG)
    assert fields.values_for(first, CONFIG) is values  # the second record of the slice reuses the rendering
    assert values["log_file_id"] == "file_1"
    # an equal but distinct slice object is rendered for itself; so are many more slices than are kept
    assert fields.values_for(_slice(1), CONFIG) == values
    for n in range(5 * PartitionFields.RECENT_SLICES):
        record = {}
        fields.transform(record, config=CONFIG, stream_slice=_slice(n, "ws_9" if n % 2 else "org-9"))
        assert record == {
            "log_file_id": f"file_{n}",
            "principal_id": "ws_9" if n % 2 else "org-9",
            "principal_type": "workspace" if n % 2 else "organization",
            "log_file_end_time": 1_790_000_000 + n,
        }
    assert fields.values_for(first, CONFIG) == values


def test_records_of_slices_read_at_once_get_their_own_slice():
    fields = _partition_fields()
    slices = [_slice(n) for n in range(40)]
    barrier = threading.Barrier(8)

    def read(stream_slice: StreamSlice) -> list:
        if stream_slice.partition["log_file_id"] in {f"file_{n}" for n in range(8)}:
            barrier.wait(timeout=10)  # eight partitions start together
        records = [{"line": i} for i in range(200)]
        for record in records:
            fields.transform(record, config=CONFIG, stream_slice=stream_slice)
        return [record["log_file_id"] for record in records]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read, slices))
    assert results == [[f"file_{n}"] * 200 for n in range(40)]


@pytest.mark.parametrize(
    "version, fixed",
    [((3, 11, 7), "3.11.8"), ((3, 11, 0), "3.11.8"), ((3, 12, 1), "3.12.2"), ((3, 11, 8), None), ((3, 12, 2), None)]
    + [((3, 10, 13), None), ((3, 13, 0), None)],
)
def test_a_python_whose_parser_fails_under_threads_is_named(version, fixed):
    warning = python_warning(version)
    if fixed is None:
        assert warning is None
    else:
        assert "Python " + ".".join(map(str, version)) in warning and f"Python {fixed} or later" in warning
        assert "AST constructor recursion depth mismatch" in warning
