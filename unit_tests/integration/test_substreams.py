"""Substream fan-out: every parent partition is read once per child, parent ids land on child records, and
archived projects are included or excluded by `include_archived_projects`."""

import pytest
from airbyte_cdk.test.mock_http import HttpMocker

from .admin_streams import STREAMS, page, request, sample_record
from .config import ConfigBuilder
from .source_runner import read, records_of

ACTIVE = [sample_record("projects", id="proj_a", status="active", archived_at=None)]
ARCHIVED = [sample_record("projects", id="proj_old", status="archived", archived_at=1711471600)]
LATER = [sample_record("projects", id="proj_z", status="active", archived_at=None)]
PER_PROJECT = [n for n, s in STREAMS.items() if s.parent == "projects"]


def _mock_projects(http_mocker, include_archived: bool):
    """Two pages of projects: the archived one only when asked for (the API filters server-side)."""
    flag = "true" if include_archived else "false"
    first = ACTIVE + (ARCHIVED if include_archived else [])
    req1 = request("projects").with_param("include_archived", flag).build()
    req2 = request("projects", after=first[-1]["id"]).with_param("include_archived", flag).build()
    http_mocker.get(req1, page("projects", first, next_token=first[-1]["id"]))
    http_mocker.get(req2, page("projects", LATER))
    return [p["id"] for p in first + LATER], [req1, req2]


def _mock_per_project(http_mocker, project_ids):
    """Each per-project stream answers with one record per project; returns the requests."""
    requests = {}
    for stream in PER_PROJECT:
        s = STREAMS[stream]
        for pid in project_ids:
            if stream == "project_groups":
                record = sample_record(stream, project_id=pid, group_id=f"group_{pid}")
            elif s.style == "singleton":
                record = sample_record(stream)
            else:
                record = sample_record(stream, id=f"{stream}_{pid}")
            req = request(stream, project_id=pid).build()
            http_mocker.get(req, page(stream, [record]))
            requests[(stream, pid)] = req
    return requests


@pytest.mark.parametrize("include_archived", [True, False])
def test_per_project_fan_out(include_archived):
    config = ConfigBuilder().with_fields(include_archived_projects=include_archived).build()
    with HttpMocker() as http_mocker:
        project_ids, project_requests = _mock_projects(http_mocker, include_archived)
        child_requests = _mock_per_project(http_mocker, project_ids)
        output = read(config, "projects", *PER_PROJECT)

        assert not output.errors, [e.trace.error.message for e in output.errors]
        assert ("proj_old" in project_ids) is include_archived
        assert sorted(r["id"] for r in records_of(output, "projects")) == sorted(project_ids)
        for stream in PER_PROJECT:
            records = records_of(output, stream)
            assert sorted(r["project_id"] for r in records) == sorted(project_ids), stream
        for req in child_requests.values():
            http_mocker.assert_number_of_calls(req, 1)
        # projects is read by the `projects` stream and as the parent of 11 per-project streams; the CDK caches
        # parent responses, but streams that start together all miss the cache. Never more than once per reader.
        for req in project_requests:
            calls = _calls(http_mocker, req, at_most=1 + len(PER_PROJECT))
            assert 1 <= calls <= 1 + len(PER_PROJECT), calls


def _calls(http_mocker, req, at_most: int) -> int:
    """How many requests the connector sent that match `req` (cache hits never reach the mock), read through
    HttpMocker's public assertion; at_most + 1 means more."""
    for calls in range(at_most + 1):
        try:
            http_mocker.assert_number_of_calls(req, calls)
            return calls
        except AssertionError:
            continue
    return at_most + 1


def test_group_and_user_children_carry_their_parent_ids():
    config = ConfigBuilder().build()
    groups = [sample_record("groups", id=g) for g in ("group_1", "group_2")]
    users = [sample_record("users", id=u) for u in ("user_1", "user_2")]
    with HttpMocker() as http_mocker:
        http_mocker.get(request("groups").build(), page("groups", groups[:1], next_token="g_next"))
        http_mocker.get(request("groups", after="g_next").build(), page("groups", groups[1:]))
        http_mocker.get(request("users").build(), page("users", users[:1], next_token="user_1"))
        http_mocker.get(request("users", after="user_1").build(), page("users", users[1:]))
        for g in ("group_1", "group_2"):
            for stream in ("group_users", "group_roles"):
                http_mocker.get(
                    request(stream, group_id=g).build(), page(stream, [sample_record(stream, id=f"{stream}_{g}")])
                )
        for u in ("user_1", "user_2"):
            http_mocker.get(
                request("user_roles", user_id=u).build(),
                page("user_roles", [sample_record("user_roles", id=f"role_{u}")]),
            )
        output = read(config, "groups", "group_users", "group_roles", "users", "user_roles")

    assert not output.errors, [e.trace.error.message for e in output.errors]
    for stream in ("group_users", "group_roles"):
        assert sorted((r["group_id"], r["id"]) for r in records_of(output, stream)) == [
            ("group_1", f"{stream}_group_1"),
            ("group_2", f"{stream}_group_2"),
        ]
    assert sorted((r["user_id"], r["id"]) for r in records_of(output, "user_roles")) == [
        ("user_1", "role_user_1"),
        ("user_2", "role_user_2"),
    ]


def test_project_user_and_group_roles_fan_out_over_projects_and_members():
    config = ConfigBuilder().build()
    with HttpMocker() as http_mocker:
        project_ids, _ = _mock_projects(http_mocker, include_archived=True)
        expected_user_roles, expected_group_roles = [], []
        for pid in project_ids:
            members = [sample_record("project_users", id=f"user_{pid}_{n}") for n in (1, 2)]
            http_mocker.get(
                request("project_users", project_id=pid).build(),
                page("project_users", members[:1], next_token=members[0]["id"]),
            )
            http_mocker.get(
                request("project_users", after=members[0]["id"], project_id=pid).build(),
                page("project_users", members[1:]),
            )
            groups = [sample_record("project_groups", project_id=pid, group_id=f"group_{pid}")]
            http_mocker.get(request("project_groups", project_id=pid).build(), page("project_groups", groups))
            for member in members:
                role = sample_record("project_user_roles", id=f"role_{member['id']}")
                http_mocker.get(
                    request("project_user_roles", project_id=pid, user_id=member["id"]).build(),
                    page("project_user_roles", [role]),
                )
                expected_user_roles.append((pid, member["id"], role["id"]))
            role = sample_record("project_group_roles", id=f"role_group_{pid}")
            http_mocker.get(
                request("project_group_roles", project_id=pid, group_id=f"group_{pid}").build(),
                page("project_group_roles", [role]),
            )
            expected_group_roles.append((pid, f"group_{pid}", role["id"]))
        output = read(config, "project_user_roles", "project_group_roles")

    assert not output.errors, [e.trace.error.message for e in output.errors]
    assert sorted((r["project_id"], r["user_id"], r["id"]) for r in records_of(output, "project_user_roles")) == sorted(
        expected_user_roles
    )
    assert sorted(
        (r["project_id"], r["group_id"], r["id"]) for r in records_of(output, "project_group_roles")
    ) == sorted(expected_group_roles)
    assert "proj_old" in {p for p, _, _ in expected_user_roles}
