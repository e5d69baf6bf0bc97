"""The handheld's local store: one transaction per write, the overlay over the server's rows, the inbox."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.client import LocalStore
from sync.client.download import Downloader, DownloadReport
from sync.protocol import checkpoint_complete_line, checkpoint_line, data_line, put_checksum


def serve_row(store: LocalStore, type_: str, id_: str, data_json: str, op_id: int = 1) -> None:
    """Puts a row into the store as a download would."""
    checksum = put_checksum(type_, id_, data_json)
    downloader = Downloader(store)
    report = DownloadReport()
    for line in (checkpoint_line(op_id, [{"bucket": "b[]", "checksum": checksum, "count": 1}], None),
                 data_line("b[]", 0, [{"op_id": str(op_id), "op": "PUT", "object_type": type_, "object_id": id_,
                                       "data": data_json, "checksum": checksum}], False),
                 checkpoint_complete_line(op_id)):
        downloader.feed(line, report)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "handheld.db")


def test_a_write_shows_at_once_and_is_queued_in_the_same_transaction(store: LocalStore) -> None:
    op_id = store.record("event_command", "e-1", {"kind": "receive", "qty": 5})
    assert store.get("event_command", "e-1") == {"id": "e-1", "kind": "receive", "qty": 5}
    [queued] = store.next_batch(10)
    assert (queued.op_id, queued.op, queued.type, queued.id, queued.tx_id) == (op_id, "PUT", "event_command", "e-1",
                                                                               op_id)


def test_a_failed_write_leaves_neither_row_nor_queue_entry(store: LocalStore) -> None:
    with pytest.raises(ValueError, match="op must be one of"):
        store.record_many([("item", "i-1", {"name": "a"}, "PUT"), ("item", "i-2", {}, "UPSERT")])
    assert store.pending_count() == 0
    assert store.get("item", "i-1") is None


def test_writes_recorded_together_share_a_transaction_id(store: LocalStore) -> None:
    ids = store.record_many([("item", "i-1", {"name": "a"}, "PUT"), ("item", "i-2", {"name": "b"}, "PUT")])
    assert {w.tx_id for w in store.next_batch(10)} == {ids[0]}


def test_a_patch_shows_over_the_server_row_and_a_delete_hides_it(store: LocalStore) -> None:
    serve_row(store, "item", "i-1", '{"id":"i-1","name":"Resin","version":3}')
    store.record("item", "i-1", {"name": "PC resin"}, op="PATCH")
    assert store.get("item", "i-1") == {"id": "i-1", "name": "PC resin", "version": 3}
    assert store.server_rows("item")["i-1"]["name"] == "Resin"
    store.record("item", "i-1", op="DELETE")
    assert store.get("item", "i-1") is None and store.query("item") == []


def test_query_filters_on_fields_of_local_and_server_rows(store: LocalStore) -> None:
    serve_row(store, "unit", "u-1", '{"id":"u-1","status":"released","site_id":"s1"}')
    store.record("unit", "u-2", {"status": "on_hold", "site_id": "s1"})
    assert [r["id"] for r in store.query("unit", where={"site_id": "s1"})] == ["u-1", "u-2"]
    assert [r["id"] for r in store.query("unit", where={"status": "on_hold"})] == ["u-2"]
    with pytest.raises(ValueError, match="not a field name"):
        store.query("unit", where={"status') OR 1=1 --": "x"})


def test_the_client_id_is_made_once_and_kept(tmp_path: Path) -> None:
    first = LocalStore(tmp_path / "h.db").client_id
    assert LocalStore(tmp_path / "h.db").client_id == first
    assert LocalStore(tmp_path / "other.db").client_id != first


def test_op_ids_are_never_reused_after_the_queue_empties(store: LocalStore) -> None:
    first = store.record("item", "i-1", {"name": "a"})
    store.db.execute("DELETE FROM crud")
    assert store.record("item", "i-2", {"name": "b"}) > first


def test_a_rejected_write_can_be_retried_under_a_new_op_id_or_discarded(store: LocalStore) -> None:
    op_id = store.record("item", "i-1", {"name": "a"})
    with store.write() as db:  # as the uploader files a rejection
        db.execute("DELETE FROM crud")
        db.execute("INSERT INTO rejected VALUES (?, ?, 'item', 'i-1', 'PUT', '{\"name\":\"a\"}', 'forbidden', "
                   "'Role picker may not change master data.', 'now')", (op_id, op_id))
    [rejected] = store.rejected()
    assert rejected.reason == "Role picker may not change master data."
    again = store.retry_rejected(op_id)
    assert again > op_id and [w.op_id for w in store.next_batch(10)] == [again] and store.rejected() == []
    with pytest.raises(KeyError):
        store.discard_rejected(op_id)


def test_the_store_is_wal_with_foreign_keys(store: LocalStore) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("INSERT INTO oplog VALUES ('nobucket', 1, 'PUT', 't', 'i', '{}', 0)")
