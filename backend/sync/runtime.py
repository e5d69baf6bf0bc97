"""The sync runtime: the op-log recorder every session writes through, and each app's hub that wakes its streams."""

from __future__ import annotations

from backend.db import on_rows_written
from backend.sync.policy import LotlinePolicy
from sync.server.oplog import OpLogRecorder
from sync.server.stream import SyncHub

# Process-wide on purpose, like the audit trail's and the event chain's listeners: SQLAlchemy session events are
# class-level, and the op log is part of the data, not of an app. Every commit that changes a synced row, whoever
# makes it (an app, the CLI, the demo seed, a test or a bench writing through a bare engine), must write its ops in
# the same transaction, or handheld replicas silently fall behind. A recorder per app would miss the writers that
# build no app, and two apps on one engine (a test's app over the fixture's engine) would write every op twice.
# It keeps no per-app state: an app's hub hears of commits only while the app runs (SyncRuntime).
RECORDER = OpLogRecorder(LotlinePolicy())


def install_recorder() -> None:
    """From now on every session in the process records its ops, rows written in sets (warehouse posting)
    included; idempotent."""
    RECORDER.install()
    on_rows_written(RECORDER.note_rows)


class SyncRuntime:
    """One app's share of sync: the hub that wakes the app's open download streams when a commit wrote ops.
    `start` and `stop` are the app's lifespan hooks."""

    def __init__(self) -> None:
        self.hub = SyncHub()

    def start(self) -> None:
        install_recorder()
        RECORDER.on_commit(self.hub.notify)

    def stop(self) -> None:
        RECORDER.off_commit(self.hub.notify)
