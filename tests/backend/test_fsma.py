"""FSMA 204 sortable spreadsheet on the demo plant: the columns, and the rows of lots computed by hand from the demo
script (backend/seed/demo.py: receipts from 2026-10-05 00:30 UTC, 7 minutes apart; resin into cases the next day)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from backend.fsma.schemas import COLUMNS

SZ = "苏州工厂 Suzhou plant (SZ), GLN 6901234000009"
NBP = "宁波聚合材料 Ningbo Polymer Co. (SUP-NBP)"
FG = f"{SZ}; 成品库 Finished goods bin 01 (SZ-FG-01), GLN 6901234000115"
RESIN_A = [
    ["RM-PC-01/PC2610-A", NBP, "SUP-NBP lot NB-88121", "PC阻燃树脂 PC resin (flame retardant), UL94 V-0, 25 kg bag "
     "[RM-PC-01]", "500.0", "kg", "Receiving", "2026-10-05", "00:37:00",
     f"{SZ}; 收货区 Receiving dock (SZ-RCV), GLN 6901234000108", NBP, "", "", "Advance shipping notice",
     "ASN-NB-88121"],
    ["SA-CASE-01/CASE261012", SZ, "GLN 6901234000009", "表壳 Meter case, moulded, grey [SA-CASE-01]", "100.0", "pcs",
     "Transformation", "2026-10-06", "02:07:00", FG, "", "", "RM-PC-01/PC2610-A 35 kg", "Work order",
     "WO-M-2610-01"],
]
METER_1 = [
    ["FG-MTR-01/SN26000001", SZ, "GLN 6901234000009", "智能电能表 Smart energy meter, single-phase, 5(60)A [FG-MTR-01]",
     "1.0", "pcs", "Transformation", "2026-10-09", "00:33:00", FG, "", "",
     "SA-BRD-01/BRD000001 1 pcs; SA-CASE-01/CASE261012 1 pcs", "Work order", "WO-A-2610-01"],
    ["FG-MTR-01/SN26000001", SZ, "GLN 6901234000009", "智能电能表 Smart energy meter, single-phase, 5(60)A [FG-MTR-01]",
     "1.0", "pcs", "Shipping", "2026-10-11", "01:00:00", FG, "", "国网江苏 State Grid Jiangsu (CUS-SGJS)", "",
     "Delivery note", "DN-2611-001"],
]


@pytest.fixture
def demo(demo_engine: Engine, settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(settings, demo_engine)) as client:
        r = client.post("/api/auth/login", json={"username": "qa", "password": "lotline-demo"})
        assert r.status_code == 200, r.text
        yield client, {"Authorization": f"Bearer {r.json()['access_token']}"}


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_received_lot_has_its_receiving_and_the_transformation_it_went_into(demo: Any) -> None:
    client, qa = demo
    rows = _csv(client.get("/api/fsma/204", params={"tlc": "RM-PC-01/PC2610-A"}, headers=qa))
    assert rows[0] == COLUMNS
    assert rows[0][:7] == ["Traceability Lot Code (TLC)", "Traceability Lot Code Source Location Description",
                           "Traceability Lot Code Source Reference", "Product Description", "Quantity",
                           "Unit of Measure", "Critical Tracking Event (CTE)"]
    assert rows[1:] == RESIN_A   # the move to the line and the stock count are no critical tracking events


def test_a_serial_has_its_transformation_and_shipping_in_xlsx(demo: Any) -> None:
    client, qa = demo
    r = client.get("/api/fsma/204", params={"tlc": "FG-MTR-01/SN26000001", "format": "xlsx"}, headers=qa)
    assert r.status_code == 200, r.text
    rows = [["" if v is None else str(v) for v in row]
            for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    assert [[v.removesuffix(".0") if n == 4 else v for n, v in enumerate(row)] for row in rows[1:]] == \
        [[v.removesuffix(".0") if n == 4 else v for n, v in enumerate(row)] for row in METER_1]


def test_a_product_and_a_window_select_the_events(demo: Any) -> None:
    client, qa = demo
    rows = _csv(client.get("/api/fsma/204", params={"item": "FG-MTR-01"}, headers=qa))[1:]
    assert [r[6] for r in rows].count("Transformation") == 100 and [r[6] for r in rows].count("Shipping") == 80
    shipped = _csv(client.get("/api/fsma/204", params={"item": "FG-MTR-01", "from": "2026-10-11T00:00:00Z",
                                                       "to": "2026-10-12T00:00:00Z"}, headers=qa))[1:]
    assert len(shipped) == 80 and {r[6] for r in shipped} == {"Shipping"}


@pytest.mark.parametrize(("params", "field"), [({}, "tlc"), ({"tlc": "X", "item": "Y"}, "tlc"),
                                               ({"item": "FG-MTR-01", "from": "2026-10-12T00:00:00Z",
                                                 "to": "2026-10-11T00:00:00Z"}, "to")])
def test_a_request_without_one_subject_or_with_a_backward_window_is_refused(demo: Any, params: Any,
                                                                            field: str) -> None:
    client, qa = demo
    r = client.get("/api/fsma/204", params=params, headers=qa)
    assert r.status_code == 422 and r.json()["context"]["field"] == field


def test_an_unknown_lot_is_not_found(demo: Any) -> None:
    client, qa = demo
    assert client.get("/api/fsma/204", params={"tlc": "NOPE/1"}, headers=qa).status_code == 404
