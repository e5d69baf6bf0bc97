"""Numbers the handheld hands out offline: the SSCCs of the containers it packs. They come from blocks the backend
reserved for this device (backend/coding: POST /api/coding/blocks), are used in order and kept in the store file
with the queue, so a handheld that lost Wi-Fi goes on packing and no two devices ever make the same SSCC. While
online the pool reports what it used (POST /api/coding/blocks/{id}/used) and asks for a new block before the last
one runs out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from mobile.i18n import Msg
from mobile.viewmodels.api import BackendApi, Offline, Refused
from sync.client import LocalStore

KV_KEY = "numbers.blocks"
SSCC = "sscc"
BLOCK_SIZE = 100  # a day's containers for a busy shipping dock
LOW_WATER = 30    # fewer left than this: the next top-up asks for another block


class NoNumbersLeft(Exception):
    """Every number this handheld held is used: it has not reached the backend since. `msg` says so to the worker."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"no {kind} numbers left on this handheld")
        self.msg = Msg.of("numbers.none_left", kind=kind.upper())


class NumberPool:
    """Blocks as the backend answered them ({id, numbers}), with `used` (taken on this device) and `reported`
    (the backend knows), in the kv table of the store file. `take` is synchronous and local; `top_up` talks to
    the backend and changes nothing when it cannot reach it."""

    def __init__(self, store: LocalStore, api: BackendApi, device_id: str, site_code: Callable[[], str | None]) -> None:
        self.store = store
        self.api = api
        self.device_id = device_id
        self.site_code = site_code
        self.problem: str | None = None   # what the backend refused at the last top-up (ship shows it)
        self.wanted = asyncio.Event()     # set when the pool runs low: the top-up loop wakes

    # -- on the device -------------------------------------------------------------------------------------------
    def remaining(self, kind: str = SSCC) -> int:
        return sum(len(b["numbers"]) - b["used"] for b in self._blocks() if b["kind"] == kind)

    def take(self, kind: str = SSCC) -> str:
        """The next unused number of the oldest block; raises NoNumbersLeft."""
        with self.store.write() as db:
            blocks = self._blocks()
            block = next((b for b in blocks if b["kind"] == kind and b["used"] < len(b["numbers"])), None)
            if block is None:
                self.wanted.set()
                raise NoNumbersLeft(kind)
            number = block["numbers"][block["used"]]
            block["used"] += 1
            LocalStore.kv_set(db, KV_KEY, json.dumps(blocks))
        if self.remaining(kind) < LOW_WATER:
            self.wanted.set()
        return str(number)

    # -- with the backend -----------------------------------------------------------------------------------------
    async def top_up(self, kind: str = SSCC) -> bool:
        """Reports the numbers used, forgets blocks used up and reported, and reserves a block when fewer than
        LOW_WATER numbers are left. True when the backend answered all of it; Offline leaves everything for the
        next call; a refusal (no rule for this site, a gap-free rule) is kept in `problem`."""
        try:
            for block in self._blocks():
                if block["used"] > block["reported"]:
                    await self.api.post(f"/api/coding/blocks/{block['id']}/used", {"used": block["used"]})
                    self._update(lambda blocks, b=block: _reported(blocks, b["id"], b["used"]))
            site = self.site_code()
            if self.remaining(kind) < LOW_WATER and site:
                answer = await self.api.post("/api/coding/blocks", {"kind": kind, "site": site, "count": BLOCK_SIZE,
                                                                    "device_id": self.device_id})
                self.add_block(answer, kind)
        except Offline:
            return False
        except Refused as exc:
            self.problem = exc.detail
            return False
        self.problem = None
        return True

    def add_block(self, answer: dict[str, Any], kind: str = SSCC) -> None:
        """Keeps a block the backend reserved (its answer to POST /api/coding/blocks)."""
        self._update(lambda blocks: [*blocks, {"id": answer["id"], "kind": kind, "numbers": list(answer["numbers"]),
                                               "used": 0, "reported": 0}])

    # -- the kv row ------------------------------------------------------------------------------------------------
    def _blocks(self) -> list[dict[str, Any]]:
        raw = self.store.kv_get(KV_KEY)
        return json.loads(raw) if raw else []

    def _update(self, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> None:
        """Read, change and write the blocks in one local transaction (a `take` may have run since the await)."""
        with self.store.write() as db:
            blocks = [b for b in change(self._blocks())
                      if b["used"] < len(b["numbers"]) or b["reported"] < b["used"]]  # spent and reported: gone
            LocalStore.kv_set(db, KV_KEY, json.dumps(blocks))


def _reported(blocks: list[dict[str, Any]], block_id: str, used: int) -> list[dict[str, Any]]:
    for block in blocks:
        if block["id"] == block_id:
            block["reported"] = max(block["reported"], used)
    return blocks
