"""The backend's side of sync: which rows go to which handhelds, and how uploaded writes meet the domain."""

from backend.sync.policy import LotlinePolicy
from sync.server.oplog import OpLogRecorder
from sync.server.stream import SyncHub

# One recorder and one hub per process: the recorder listens on every session, the hub wakes open streams.
HUB = SyncHub()
RECORDER = OpLogRecorder(LotlinePolicy())
RECORDER.on_commit(HUB.notify)

__all__ = ["HUB", "RECORDER"]
