"""Label templates as versioned data over the API: checked with errors that name the element, a version that
printed never changes, bad data refused naming the field, previews from the real renderer."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image
from sqlmodel import Session

from backend.labels.errors import LabelDataInvalid
from backend.labels.layout import LabelPlan
from shared_models.enums import UnitKind
from shared_models.labels import TemplateProblems, check_template
from shared_models.trace import Unit
from tests.factories import Plant

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "labels"


def doc(name: str = "small-serial") -> dict[str, Any]:
    return json.loads((SHIPPED / f"{name}.json").read_text(encoding="utf-8"))


def meter(session: Session, plant: Plant, serial: str = "SN000777", **extra: Any) -> Unit:
    unit = Unit(code=f"MTR-01/{serial}", kind=UnitKind.SERIAL, item_id=plant.items["MTR-01"].id, serial=serial,
                lot_no="L2026-118", site_id=plant.sites["S1"].id, produced_on=date(2026, 11, 2),
                expires_on=date(2031, 11, 30), **extra)
    session.add(unit)
    session.commit()
    return unit


def test_a_template_with_faults_is_refused_naming_each_element_and_fault() -> None:
    bad = doc("product-datamatrix")
    bad["elements"][1]["module_mm"] = -1                     # element 2 'datamatrix'
    bad["elements"][2]["source"] = {"field": "item.colour"}  # element 3 'gtin'
    bad["elements"][6]["x_mm"] = 80                           # element 7 'ean13', label is 55 mm wide
    with pytest.raises(TemplateProblems) as caught:
        check_template(bad)
    assert caught.value.problems == ["element 2 'datamatrix' (barcode): module_mm: Input should be greater than 0"]
    bad["elements"][1]["module_mm"] = 0.5
    with pytest.raises(TemplateProblems) as caught:
        check_template(bad)
    assert caught.value.problems[0].startswith("element 3 'gtin' (text): unknown field 'item.colour'")
    assert caught.value.problems[1] == "element 7 'ean13' (barcode): reaches x = 80 mm, past the label's width of 55 mm"


def test_a_symbology_refuses_data_bound_the_wrong_way() -> None:
    bad = doc("digital-link-qr")
    bad["elements"][0]["gs1"] = [{"ai": "10", "field": "lot.lot_no"}]
    bad["elements"].append({"type": "barcode", "id": "c", "x_mm": 5, "y_mm": 5, "symbology": "code128",
                            "gs1": [{"ai": "01", "field": "item.gtin"}], "height_mm": 5})
    with pytest.raises(TemplateProblems) as caught:
        check_template(bad)
    assert caught.value.problems == [
        "element 1 'qr' (barcode): a Digital Link starts with its primary key (e.g. AI 01), not (10)",
        "element 4 'c' (barcode): code128 needs a 'source'",
        "element 4 'c' (barcode): code128 is not a GS1 symbology; bind its data with 'source'"]


def test_bad_gs1_data_is_refused_naming_the_element_ai_and_field() -> None:
    template = check_template(doc("gs1-logistic-sscc"))
    data = {k: v for k, v in template.sample.items()} | {"container.sscc": "095060001343528021"}
    from backend.labels.binding import normalise

    with pytest.raises(LabelDataInvalid) as caught:
        LabelPlan(template, 203).place(normalise(data), unit="PAL-1")
    assert caught.value.context == {"element": "element 19 'sscc-barcode'", "field": "container.sscc", "ai": "00",
                                    "unit": "PAL-1"}
    assert "check digit" in caught.value.detail and caught.value.detail.startswith("Unit PAL-1: ")


def test_templates_are_versioned_and_a_printed_version_never_changes(client: TestClient, login, session: Session,
                                                                     plant: Plant) -> None:
    qa = login("qa")
    r = client.post("/api/labels/templates", json={"code": "serial", "doc": doc()}, headers=qa)
    assert r.status_code == 201, r.text
    assert (r.json()["version"], r.json()["in_use"]) == (1, False)
    draft = doc()
    draft["name"] = "Small serial label, draft 2"
    r = client.put("/api/labels/templates/serial", json={"doc": draft}, headers=qa)
    assert (r.json()["version"], r.json()["name"]) == (1, "Small serial label, draft 2")  # unused: changed in place
    printer = client.post("/api/labels/printers", json={"name": "PDF desk", "kind": "pdf_download"},
                          headers=login("admin")).json()
    unit = meter(session, plant)
    r = client.post("/api/labels/print", json={"template": "serial", "unit_ids": [unit.id],
                                               "printer_id": printer["id"]}, headers=qa)
    assert r.status_code == 202, r.text
    final = doc()
    final["name"] = "Small serial label v2"
    r = client.put("/api/labels/templates/serial", json={"doc": final}, headers=qa)
    assert (r.json()["version"], r.json()["name"], r.json()["in_use"]) == (2, "Small serial label v2", False)
    versions = client.get("/api/labels/templates/serial/versions", headers=qa).json()
    assert [(v["version"], v["name"], v["in_use"]) for v in versions] == [
        (2, "Small serial label v2", False), (1, "Small serial label, draft 2", True)]
    history = client.get(f"/api/labels/units/{unit.id}/prints", headers=qa).json()
    assert [(h["template_code"], h["template_version"], h["username"]) for h in history] == [("serial", 1, "qa")]


def test_a_template_with_faults_gets_a_422_listing_them(client: TestClient, login) -> None:
    bad = doc()
    bad["elements"][0]["symbology"] = "aztec"
    r = client.post("/api/labels/templates", json={"code": "bad", "doc": bad}, headers=login("qa"))
    assert r.status_code == 422
    assert r.json()["code"] == "template_invalid"
    assert r.json()["context"]["problems"][0].startswith("element 1 'qr' (barcode): symbology: Input should be")


def test_pickers_print_but_do_not_design(client: TestClient, login) -> None:
    r = client.post("/api/labels/templates", json={"code": "x", "doc": doc()}, headers=login("picker"))
    assert r.status_code == 403


def test_shipped_templates_install_once_and_retired_ones_stop_printing(client: TestClient, login) -> None:
    qa = login("qa")
    made = client.post("/api/labels/templates/shipped", headers=qa).json()
    assert sorted(t["code"] for t in made) == sorted(p.stem for p in SHIPPED.glob("*.json"))
    assert client.post("/api/labels/templates/shipped", headers=qa).json() == []
    assert client.delete("/api/labels/templates/small-serial", headers=qa).json()["retired"] is True
    assert "small-serial" not in {t["code"] for t in client.get("/api/labels/templates", headers=qa).json()}
    r = client.post("/api/labels/pdf", json={"template": "small-serial", "unit_ids": ["u"]}, headers=qa)
    assert (r.status_code, r.json()["code"]) == (409, "template_retired")


def test_a_preview_is_a_png_of_the_units_label(client: TestClient, login, session: Session, plant: Plant) -> None:
    qa = login("qa")
    client.post("/api/labels/templates/shipped", headers=qa)
    unit = meter(session, plant, "SN000999")
    r = client.post("/api/labels/templates/product-datamatrix/preview", json={"unit_id": unit.id}, headers=qa)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    found = {b.format.name: b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(r.content)))}
    assert found == {"DataMatrix": "(01)06901234000016(17)311130(10)L2026-118(21)SN000999",
                     "EAN13": "6901234000016"}


def test_the_designers_draft_preview_refuses_a_label_that_does_not_fit(client: TestClient, login) -> None:
    draft = copy.deepcopy(doc("raw-material-lot"))
    draft["sample"]["unit.code"] = "RESIN-01/" + "X" * 40
    r = client.post("/api/labels/preview", json={"doc": draft}, headers=login("engineer"))
    assert (r.status_code, r.json()["code"]) == (422, "label_does_not_fit")
    assert r.json()["context"] == {"element": "element 9 'code'"}
    ok = client.post("/api/labels/preview", json={"doc": doc("raw-material-lot"), "dpi": 300},
                     headers=login("engineer"))
    assert ok.status_code == 200 and Image.open(io.BytesIO(ok.content)).size == (1181, 709)


def test_printing_a_unit_whose_data_breaks_a_gs1_rule_is_refused_naming_the_field(
        client: TestClient, login, session: Session, plant: Plant) -> None:
    qa = login("qa")
    client.post("/api/labels/templates/shipped", headers=qa)
    item = plant.items["CASE-01"]
    unit = Unit(code="CASE-01/L 1", kind=UnitKind.LOT, item_id=item.id, lot_no="L 1", site_id=plant.sites["S1"].id)
    session.add(unit)
    session.commit()
    r = client.post("/api/labels/pdf", json={"template": "product-datamatrix", "unit_ids": [unit.id]}, headers=qa)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "label_data_invalid"
    assert body["context"] == {"element": "element 2 'datamatrix'", "field": "lot.lot_no", "ai": "10",
                               "unit": "CASE-01/L 1"}
