"""Test helpers for the handheld's view-models: a real LocalStore filled the way the download fills it (checkpoint,
data, checkpoint_complete through the client's own Downloader), a small plant, and the backend as httpx sees it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from mobile.viewmodels.api import BackendApi
from mobile.viewmodels.context import Handheld, UserSession
from shared_models.enums import Role
from shared_models.gs1 import compute_check_digit
from sync.client import LocalStore
from sync.client.adapters.httpx_http import HttpxHttp
from sync.client.download import Downloader, DownloadReport, Outcome
from sync.protocol import add_checksums, canonical_json, put_checksum

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
BUCKET = 'site["site-sz"]'


def gtin(body13: str) -> str:
    return body13 + str(compute_check_digit(body13))


GTIN_PC = gtin("0690123400005")
GTIN_LBL = gtin("0690123400006")
GTIN_MTR = gtin("0690123400001")


class ReplicaFeeder:
    """Writes rows into a LocalStore as the server's stream would: every call sends a full checkpoint, the new
    ops and checkpoint_complete, with the protocol's checksums, through the client's Downloader."""

    def __init__(self, store: LocalStore, bucket: str = BUCKET) -> None:
        self.store = store
        self.bucket = bucket
        self.op_id = 0
        self.checksum = 0
        self.downloader = Downloader(store)

    def put(self, rows: dict[str, list[dict[str, Any]]]) -> Outcome | None:
        ops = []
        for type_, found in rows.items():
            for row in found:
                self.op_id += 1
                data = canonical_json(row)
                checksum = put_checksum(type_, row["id"], data)
                self.checksum = add_checksums(self.checksum, checksum)
                ops.append({"op_id": str(self.op_id), "op": "PUT", "object_type": type_, "object_id": row["id"],
                            "data": data, "checksum": checksum})
        report = DownloadReport()
        lines = [{"checkpoint": {"last_op_id": str(self.op_id), "write_checkpoint": None,
                                 "buckets": [{"bucket": self.bucket, "checksum": self.checksum,
                                              "count": self.op_id}]}},
                 {"data": {"bucket": self.bucket, "data": ops, "has_more": False}},
                 {"checkpoint_complete": {"last_op_id": str(self.op_id)}}]
        outcome = None
        for line in lines:
            outcome = self.downloader.feed(json.loads(json.dumps(line)), report) or outcome
        return outcome


def _unit(code: str, item_id: str, today: date, *, status: str = "released", expires: int | None = None,
          kind: str = "lot", supplier_id: str | None = "sup-nbp", **extra: Any) -> dict[str, Any]:
    _, _, tail = code.partition("/")
    return {"id": f"u-{code}", "code": code, "kind": kind, "item_id": item_id,
            "lot_no": tail if kind == "lot" else None, "serial": tail if kind == "serial" else None,
            "sscc": extra.pop("sscc", None), "lot_unit_id": None, "site_id": "site-sz", "status": status,
            "supplier_id": supplier_id, "supplier_lot": extra.pop("supplier_lot", None), "work_order_id": None,
            "uom": extra.pop("uom", "kg"), "produced_on": None,
            "expires_on": (today + timedelta(days=expires)).isoformat() if expires is not None else None,
            "created_at": NOW.isoformat(), "version": 1, **extra}


def _stock(unit_code: str, location: str, qty: float) -> dict[str, Any]:
    return {"id": f"s-{unit_code}-{location}", "unit_id": f"u-{unit_code}", "location_id": f"loc-{location}",
            "qty": qty}


def plant_rows(today: date = TODAY) -> dict[str, list[dict[str, Any]]]:
    """SZ site: bins, three items, lots of resin in every state a gate cares about, two meters, partners.
    Expiry dates count from `today`: the handheld's clock in the test (a fixed one, or the real one)."""
    locations = [("SZ-RCV", "zone", "6901234000108"), ("SZ-IQC", "bin", None), ("SZ-RM-01", "bin", None),
                 ("SZ-RM-02", "bin", None), ("SZ-FG-01", "bin", None), ("SZ-SHIP", "bin", None),
                 ("SZ-LINE-M", "bin", None)]
    units = [
        _unit("RM-PC-01/PC-A", "item-pc", today, expires=30, supplier_lot="NB-1"),
        _unit("RM-PC-01/PC-B", "item-pc", today, expires=10, supplier_lot="NB-2"),
        _unit("RM-PC-01/PC-C", "item-pc", today, expires=None),
        _unit("RM-PC-01/PC-HOLD", "item-pc", today, status="on_hold", expires=5),
        _unit("RM-PC-01/PC-RCL", "item-pc", today, status="recalled", expires=40),
        _unit("RM-PC-01/PC-EXP", "item-pc", today, expires=-1),
        _unit("PK-LBL-01/LBL-Q", "item-lbl", today, status="quarantine", supplier_id="sup-lbl", uom="roll"),
        _unit("FG-MTR-01/SN1", "item-mtr", today, kind="serial", supplier_id=None, uom="pcs"),
        _unit("FG-MTR-01/SN2", "item-mtr", today, kind="serial", supplier_id=None, uom="pcs"),
    ]
    stock = [_stock("RM-PC-01/PC-A", "SZ-RM-01", 100), _stock("RM-PC-01/PC-B", "SZ-RM-02", 50),
             _stock("RM-PC-01/PC-C", "SZ-RM-01", 20), _stock("RM-PC-01/PC-HOLD", "SZ-RM-01", 30),
             _stock("RM-PC-01/PC-RCL", "SZ-RM-02", 10), _stock("RM-PC-01/PC-EXP", "SZ-RM-02", 5),
             _stock("PK-LBL-01/LBL-Q", "SZ-IQC", 40), _stock("FG-MTR-01/SN1", "SZ-FG-01", 1),
             _stock("FG-MTR-01/SN2", "SZ-FG-01", 1)]
    return {
        "site": [{"id": "site-sz", "code": "SZ", "name": "Suzhou plant", "gln": "6901234000009", "version": 1}],
        "location": [{"id": f"loc-{code}", "site_id": "site-sz", "parent_id": None, "code": code, "name": code,
                      "kind": kind, "gln": gln, "version": 1} for code, kind, gln in locations],
        "item": [
            {"id": "item-pc", "part_no": "RM-PC-01", "gtin": GTIN_PC, "name": "PC resin", "spec": "", "uom": "kg",
             "tracking": "lot", "shelf_life_days": 365, "needs_iqc": False, "version": 1},
            {"id": "item-lbl", "part_no": "PK-LBL-01", "gtin": GTIN_LBL, "name": "Label stock", "spec": "",
             "uom": "roll", "tracking": "lot", "shelf_life_days": None, "needs_iqc": True, "version": 1},
            {"id": "item-mtr", "part_no": "FG-MTR-01", "gtin": GTIN_MTR, "name": "Smart meter", "spec": "",
             "uom": "pcs", "tracking": "serial", "shelf_life_days": None, "needs_iqc": False, "version": 1},
        ],
        "supplier": [{"id": "sup-nbp", "code": "SUP-NBP", "name": "Ningbo Polymer", "gln": None, "version": 1},
                     {"id": "sup-lbl", "code": "SUP-LBL", "name": "Kunshan Label", "gln": None, "version": 1}],
        "customer": [{"id": "cus-sgjs", "code": "CUS-SGJS", "name": "State Grid Jiangsu", "kind": "customer",
                      "regions": ["Jiangsu", "Anhui"], "channels": [], "version": 1}],
        "unit": units,
        "stock_on_hand": stock,
    }


# -- the backend as httpx sees it --------------------------------------------------------------------------------
Route = Callable[[httpx.Request], httpx.Response]


def offline_api() -> BackendApi:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    return BackendApi("http://backend.test", http=HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(refuse))))


def server_api(routes: dict[tuple[str, str], Route]) -> BackendApi:
    """A backend answering only `routes` ((method, path) → handler); anything else is a 404 like Litestar's."""

    def answer(request: httpx.Request) -> httpx.Response:
        route = routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"code": "not_found", "detail": f"no route {request.url.path}"})
        return route(request)

    return BackendApi("http://backend.test", http=HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(answer))))


def make_handheld(tmp_path: Path, *, role: Role = Role.PICKER, api: BackendApi | None = None,
                  rows: dict[str, list[dict[str, Any]]] | None = None) -> tuple[Handheld, ReplicaFeeder]:
    user = UserSession(username=role.value, display_name=role.value, role=role,
                       site_id=None if role in (Role.QA_MANAGER, Role.ADMIN, Role.DISTRIBUTOR) else "site-sz",
                       customer_id="cus-sgjs" if role is Role.DISTRIBUTOR else None)
    hh = Handheld(tmp_path / "handheld", user, api or offline_api(), clock=lambda: NOW, device_id="test-device")
    feeder = ReplicaFeeder(hh.store)
    assert feeder.put(plant_rows() if rows is None else rows) is Outcome.APPLIED
    return hh, feeder


def queued(hh: Handheld) -> list[dict[str, Any]]:
    """The event commands waiting in the upload queue, as they will be uploaded."""
    return [dict(w.data) for w in hh.store.next_batch(1000) if w.type == "event_command"]
