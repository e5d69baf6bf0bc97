"""The download stream: PowerSync's lines, per-op and per-bucket checksums, buckets per role."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlmodel import Session

from sync.protocol import add_checksums, put_checksum
from tests.backend.story import tell_story
from tests.sync.conftest import read_stream


def checkpoint_of(lines: list[dict]) -> dict:  # type: ignore[type-arg]
    return next(line["checkpoint"] for line in lines if "checkpoint" in line)


def ops_by_bucket(lines: list[dict]) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for line in lines:
        if "data" in line:
            found.setdefault(line["data"]["bucket"], []).extend(line["data"]["data"])
    return found


def test_first_sync_sends_checkpoint_data_and_complete_in_order(sync_client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    lines = read_stream(sync_client, login("picker"))
    kinds = [next(iter(line)) for line in lines]
    assert kinds[0] == "token_expires_in" and kinds[1] == "checkpoint" and kinds[-1] == "checkpoint_complete"
    assert set(kinds[2:-1]) == {"data"}
    assert lines[-1]["checkpoint_complete"]["last_op_id"] == checkpoint_of(lines)["last_op_id"]


def test_every_op_and_bucket_checksum_adds_up(sync_client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    tell_story(session)
    lines = read_stream(sync_client, login("picker"))
    received = ops_by_bucket(lines)
    for b in checkpoint_of(lines)["buckets"]:
        ops = received.get(b["bucket"], [])
        assert len(ops) == b["count"]
        for op in ops:
            if op["op"] == "PUT":
                assert op["checksum"] == put_checksum(op["object_type"], op["object_id"], op["data"])
        assert add_checksums(*(op["checksum"] for op in ops)) == b["checksum"], b["bucket"]


def test_a_picker_gets_items_global_their_site_and_their_own_events(sync_client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                    plant) -> None:
    names = {b["bucket"] for b in checkpoint_of(read_stream(sync_client, login("picker")))["buckets"]}
    assert names == {"items[]", "global[]", f'site["{plant.sites["S1"].id}"]',
                     f'user["{plant.users["picker"].id}"]'}


def test_a_distributor_gets_items_and_only_their_own_codes(sync_client: TestClient, login, plant,  # type: ignore[no-untyped-def]
                                                           session: Session) -> None:
    story = tell_story(session)
    lines = read_stream(sync_client, login("dist"))
    names = {b["bucket"] for b in checkpoint_of(lines)["buckets"]}
    assert names == {"items[]", f'distributor["{plant.customers["DIST-1"].id}"]'}
    units = {op["object_id"] for ops in ops_by_bucket(lines).values() for op in ops if op.get("object_type") == "unit"}
    from sqlmodel import select

    from shared_models.trace import Unit

    codes = set(session.exec(select(Unit.code).where(Unit.id.in_(units))))  # type: ignore[attr-defined]
    assert codes == {"MTR-01/M1", "MTR-01/M2", story.carton}


def test_resuming_from_a_position_sends_only_newer_ops(sync_client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    first = read_stream(sync_client, login("picker"))
    positions = [{"name": b["bucket"], "after": checkpoint_of(first)["last_op_id"]}
                 for b in checkpoint_of(first)["buckets"]]
    tell_story(session)
    again = read_stream(sync_client, login("picker"), buckets=positions)
    sent = [op for ops in ops_by_bucket(again).values() for op in ops]
    assert sent and all(int(op["op_id"]) > int(checkpoint_of(first)["last_op_id"]) for op in sent)


def test_the_stream_needs_a_token(sync_client: TestClient) -> None:
    assert sync_client.post("/sync/stream", json={}).status_code == 401


def test_powersync_token_scheme_is_accepted(sync_client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    token = login("picker")["Authorization"].split()[1]
    assert sync_client.post("/sync/stream", json={}, headers={"Authorization": f"Token {token}"}).status_code == 200


def test_write_checkpoint_is_echoed_once_the_stream_reaches_it(sync_client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = sync_client.get("/write-checkpoint2.json", params={"client_id": "hh-1"}, headers=login("picker"))
    wcp = r.json()["data"]["write_checkpoint"]
    lines = read_stream(sync_client, login("picker"), client_id="hh-1")
    assert checkpoint_of(lines)["write_checkpoint"] == wcp


def test_token_endpoint_returns_token_and_endpoint(sync_client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    body = sync_client.get("/api/auth/token", headers=login("picker")).json()
    assert set(body) == {"token", "endpoint"} and body["endpoint"].startswith("http")
