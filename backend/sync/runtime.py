"""The process's sync runtime: the op-log recorder that listens on every session and the hub that wakes streams."""

from backend.db import on_rows_written
from backend.sync.policy import LotlinePolicy
from sync.server.oplog import OpLogRecorder
from sync.server.stream import SyncHub

# One recorder and one hub per process: the recorder listens on every session, the hub wakes open streams.
HUB = SyncHub()
RECORDER = OpLogRecorder(LotlinePolicy())
RECORDER.on_commit(HUB.notify)
on_rows_written(RECORDER.note_rows)  # rows written in sets (warehouse posting) get their ops like flushed ones

__all__ = ["HUB", "RECORDER"]
