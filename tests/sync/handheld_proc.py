"""A handheld in a process of its own, for the kill -9 tests: record receive events, then sync until quiet.

    python -m tests.sync.handheld_proc DB URL USER [--record N --tag T --pace S] [--batch B]

Event ids are uuid5 of (tag, index), so the test knows them without asking. Prints JSON lines: {"stage":
"recorded"} once the events are queued (each in its own local transaction), {"stage": "synced", ...} at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid

from sync.client import Backoff, HttpConnector, LocalStore, SyncClient, SyncUnavailable
from sync.client.upload import WRITE_NEEDED
from tests.factories import at

NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4d59-9a5e-2b7f0c4e8d11")


def event_id(tag: str, index: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{tag}/{index}"))


def lot_no(tag: str, index: int) -> str:
    return f"{tag.upper()}{index:05d}"


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("url")
    parser.add_argument("user")
    parser.add_argument("--record", type=int, default=0)
    parser.add_argument("--tag", default="a")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--pace", type=float, default=0.0, help="seconds between two recorded events")
    args = parser.parse_args()
    store = LocalStore(args.db)
    for i in range(args.record):
        store.record("event_command", event_id(args.tag, i), {
            "kind": "receive", "occurred_at": at(i % 1000), "supplier": "SUP-B", "item": "PCB-01",
            "lot_no": lot_no(args.tag, i), "qty": 1 + i % 7, "location": "S1-A-01"})
        await asyncio.sleep(args.pace)
    print(json.dumps({"stage": "recorded", "n": args.record}), flush=True)
    client = SyncClient(store, HttpConnector(args.url, args.user, f"{args.user}-pass-1"), batch_size=args.batch,
                        backoff=Backoff(base_s=0.02, max_s=0.2, max_attempts=50))
    for _ in range(200):
        try:
            report = await client.sync_once()
        except SyncUnavailable:
            await asyncio.sleep(0.05)
            continue
        if report.applied and store.pending_count() == 0 and not store.kv_get(WRITE_NEEDED):
            status = client.status()
            print(json.dumps({"stage": "synced", "pending": status.pending, "rejected": len(status.rejected)}),
                  flush=True)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
