"""A handheld tells a genuine signed code (8030) from a forged one, or one signed by a revoked or unknown key, with
no network: it checks the signature against the public keys it fetched from the real backend while online."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mobile.scanner import ScanPipeline
from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.context import Handheld, UserSession
from mobile.viewmodels.verify import COUNTERFEIT, VerifyViewModel
from shared_models.enums import Role
from tests.aio import Run, run_fixture  # noqa: F401
from tests.backend.story import tell_story
from tests.factories import Plant
from tests.mobile.handheld_fixtures import offline_api
from tests.sync.live import LiveServer, live_fixture  # noqa: F401

SCAN = ScanPipeline()


def online(live: LiveServer, run: Run[Any], username: str) -> BackendApi:
    api = BackendApi(live.url)
    run(api.login(username, f"{username}-pass-1"))
    return api


def distributor(tmp_path: Path, plant: Plant, api: BackendApi) -> Handheld:
    user = UserSession(username="dist", display_name="Distributor", role=Role.DISTRIBUTOR,
                       customer_id=plant.customers["DIST-1"].id)
    return Handheld(tmp_path / "dist", user, api, device_id="hh-dist")


def verdict(hh: Handheld, text: str) -> Any:
    vm = VerifyViewModel(hh)
    asyncio.run(vm.on_scan(SCAN.scan_text(text, source="manual")))
    assert vm.verdict is not None, vm.state.error
    return vm.verdict


def test_offline_the_signature_is_judged_with_the_keys_fetched_online(
        live: LiveServer, engine: Engine, plant: Plant, tmp_path: Path, run: Run[Any]) -> None:
    with Session(engine, expire_on_commit=False) as session:
        tell_story(session)
    qa = online(live, run, "qa")
    kid = run(qa.post("/api/coding/keys", {}))["kid"]
    code = run(qa.post("/api/coding/sign", {"unit": "MTR-01/M1"}))["element_string"]

    hh = distributor(tmp_path, plant, online(live, run, "dist"))
    assert hh.keys.held() == {} and run(hh.keys.refresh()) and list(hh.keys.held()) == [kid]
    offline = Handheld(tmp_path / "dist", hh.user, offline_api(), device_id="hh-dist")  # same store file, no network

    forged = code.replace("(21)M1", "(21)M2")  # a real serial under another unit's signature
    v = verdict(offline, forged)
    assert (v.outcome, [f.code for f in v.flags]) == (COUNTERFEIT, ["forged_signature"])
    assert verdict(offline, code).outcome != COUNTERFEIT  # genuine signature: the replica decides the rest

    run(qa.post(f"/api/coding/keys/{kid}/revoke", {"reason": "leaked"}))
    assert verdict(offline, code).outcome != COUNTERFEIT  # the handheld has not heard yet
    assert run(hh.keys.refresh())
    v = verdict(offline, code)
    assert (v.outcome, [f.code for f in v.flags]) == (COUNTERFEIT, ["revoked_key"])

    run(qa.post("/api/coding/keys", {}))  # a new active key the handheld has not fetched
    newer = run(qa.post("/api/coding/sign", {"unit": "MTR-01/M1"}))["element_string"]
    assert "unknown_key" in [f.code for f in verdict(offline, newer).flags]
    for api in (qa, hh.api):
        run(api.aclose())
    offline.store.close()
    hh.store.close()
