"""The handheld's SSCCs come from blocks the real backend reserves for the device: used in order offline, reported
back and topped up online, never the same number on two handhelds, and nothing changes while the backend is away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend.coding.models import NumberBlock
from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.context import Handheld, UserSession
from mobile.viewmodels.numbers import BLOCK_SIZE, LOW_WATER, NoNumbersLeft
from shared_models.enums import Role
from shared_models.gs1 import validate_sscc
from tests.aio import Run, run_fixture  # noqa: F401
from tests.factories import Plant
from tests.mobile.handheld_fixtures import ReplicaFeeder, offline_api
from tests.sync.live import LiveServer, live_fixture  # noqa: F401


def handheld(tmp_path: Path, run: Run[Any], plant: Plant, api: BackendApi, device: str) -> Handheld:
    """A picker's handheld at site S1, its replica holding the site row as the stream would send it."""
    site = plant.sites["S1"]
    if api.base_url.startswith("http://127.0.0.1"):
        run(api.login("picker", "picker-pass-1"))
    user = UserSession(username="picker", display_name="Picker", role=Role.PICKER, site_id=site.id)
    hh = Handheld(tmp_path / device, user, api, device_id=device)
    ReplicaFeeder(hh.store, bucket=f'site["{site.id}"]').put(
        {"site": [{"id": site.id, "code": site.code, "name": site.name, "gln": site.gln, "version": 1}]})
    return hh


def blocks_on_server(engine: Engine, device: str) -> list[NumberBlock]:
    with Session(engine) as s:
        return list(s.exec(select(NumberBlock).where(NumberBlock.device_id == device)
                           .order_by(col(NumberBlock.issued_at))))


def test_a_handheld_numbers_from_its_reserved_block_and_tops_up_before_it_runs_out(
        live: LiveServer, engine: Engine, plant: Plant, tmp_path: Path, run: Run[Any]) -> None:
    hh = handheld(tmp_path, run, plant, BackendApi(live.url), "hh-dock-1")
    assert run(hh.numbers.top_up()) and hh.numbers.remaining() == BLOCK_SIZE
    (block,) = blocks_on_server(engine, "hh-dock-1")

    taken = [hh.numbers.take() for _ in range(BLOCK_SIZE - LOW_WATER + 1)]
    assert taken == block.numbers[:len(taken)] and all(validate_sscc(n) == n for n in taken)
    assert hh.numbers.wanted.is_set()  # below the low-water mark: the top-up loop wakes

    assert run(hh.numbers.top_up())
    first, second = blocks_on_server(engine, "hh-dock-1")
    assert first.used == len(taken) and first.used_up_at is None
    assert hh.numbers.remaining() == 2 * BLOCK_SIZE - len(taken)
    rest = [hh.numbers.take() for _ in range(LOW_WATER - 1)]
    assert rest == first.numbers[len(taken):] and hh.numbers.take() == second.numbers[0]

    run(hh.numbers.top_up())
    first, second = blocks_on_server(engine, "hh-dock-1")
    assert (first.used, first.used_up_at is not None, second.used) == (BLOCK_SIZE, True, 1)
    assert hh.numbers.remaining() == BLOCK_SIZE - 1  # the used-up block is forgotten once reported
    run(hh.aclose())


def test_two_handhelds_never_get_the_same_sscc(live: LiveServer, plant: Plant, tmp_path: Path,
                                               run: Run[Any]) -> None:
    one = handheld(tmp_path, run, plant, BackendApi(live.url), "hh-1")
    two = handheld(tmp_path, run, plant, BackendApi(live.url), "hh-2")
    taken: dict[str, list[str]] = {"hh-1": [], "hh-2": []}
    for hh in (one, two, one, two):  # each drains its pool and tops up again, in turns
        run(hh.numbers.top_up())
        taken[hh.device_id] += _drain(hh)
    every = taken["hh-1"] + taken["hh-2"]
    assert len(every) == len(set(every)) == 4 * BLOCK_SIZE
    assert all(validate_sscc(n) == n for n in every)
    run(one.aclose())
    run(two.aclose())


def _drain(hh: Handheld) -> list[str]:
    out = []
    while True:
        try:
            out.append(hh.numbers.take())
        except NoNumbersLeft:
            return out


def test_offline_the_pool_is_used_up_and_then_refuses_with_nothing_changed(plant: Plant, tmp_path: Path,
                                                                         run: Run[Any]) -> None:
    hh = handheld(tmp_path, run, plant, offline_api(), "hh-offline")
    hh.numbers.add_block({"id": "b-1", "numbers": ["069012340000000016"]})
    assert hh.numbers.take() == "069012340000000016"
    with pytest.raises(NoNumbersLeft):
        hh.numbers.take()
    assert not run(hh.numbers.top_up())
    assert hh.numbers._blocks() == [{"id": "b-1", "kind": "sscc", "numbers": ["069012340000000016"], "used": 1,
                                     "reported": 0}]  # kept until the backend hears how many were used
    run(hh.aclose())
