"""The label designer's page and calls over real HTTP on the demo plant, SQLite and PostgreSQL: the page for the
roles the labels API lets design, the live preview drawn by the real renderer (its barcode read back with zxing-cpp),
saving through TemplateService (a new version once the current one has printed), and a faulty element refused with
the fault named by the element, nothing written."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from shared_models.labels import FIELDS
from tests.backend.test_console_pages import HX, log_in

CODE = "gs1-logistic-sscc"


@pytest.fixture
def app_client(demo_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, demo_engine)) as client:
        yield client


@pytest.fixture
def qa(app_client: TestClient) -> TestClient:
    """The QA manager logged in, with the shipped label templates installed through the console's button."""
    log_in(app_client, "qa")
    answer = app_client.post("/console/labels/shipped", headers=HX)
    assert answer.status_code == 200 and answer.headers["hx-refresh"] == "true", answer.text
    return app_client


def rows(engine: Engine, sql: str, **params: object) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def setup_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="designer-setup">(.*?)</script>', page, re.S)
    assert found, page[:500]
    return dict(json.loads(found.group(1)))


def element(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(e for e in doc["elements"] if e["id"] == ident)


def test_the_designer_offers_the_template_and_the_binding_fields_in_both_languages(qa: TestClient) -> None:
    listing = qa.get("/console/labels/", headers={"accept-language": "en"})
    assert listing.status_code == 200 and f'href="/console/labels/{CODE}"' in listing.text
    assert 'class="nav-labels"' in listing.text
    for lang, words in (("en", "Label designer"), ("zh-CN", "标签设计器")):
        qa.cookies.set("lotline_lang", lang)
        page = qa.get(f"/console/labels/{CODE}")
        assert page.status_code == 200 and words in page.text
        setup = setup_of(page.text)
        assert setup["doc"]["name"] == "GS1 logistic label (SSCC)" and setup["version"] == 1
        assert setup["fields"] == FIELDS and "gs1_128" in setup["symbologies"]
        assert setup["texts"]["designer.undo"] == ("Undo" if lang == "en" else "撤销")
    script = qa.get("/console/labels/-/designer.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert qa.get("/console/labels/-/designer-panel.js").status_code == 200
    assert qa.get("/console/labels/-/..%2Fconsole.js").status_code == 404


def test_a_role_the_labels_api_does_not_let_design_is_refused(app_client: TestClient) -> None:
    log_in(app_client, "picker")
    assert app_client.get("/console/labels/").status_code == 403
    refused = app_client.post("/console/labels/preview", headers=HX, json={"doc": {}})
    assert refused.status_code == 403


def test_the_preview_is_the_real_renderers_png_and_its_barcode_reads_back_as_bound(qa: TestClient) -> None:
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    doc["sample"]["container.sscc"] = "376104250021234569"
    answer = qa.post("/console/labels/preview", headers=HX, json={"doc": doc})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert answer.headers["etag"]
    image = Image.open(io.BytesIO(answer.content))
    assert image.size == (800, 1199) or abs(image.size[0] - 100 / 25.4 * 203) < 2
    texts = {b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)}
    assert "(00)376104250021234569" in texts or "00376104250021234569" in texts, texts
    assert any("(02)09506000134352" in t or t.startswith("0209506000134352") for t in texts), texts


def test_a_preview_with_a_fault_names_the_element(qa: TestClient) -> None:
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    element(doc, "sscc-text")["source"] = {"field": "unit.serial"}   # no sample value, no print_if
    answer = qa.post("/console/labels/preview", headers=HX, json={"doc": doc})
    assert answer.status_code == 422
    faults = answer.json()["faults"]
    assert [f["element"] for f in faults] == ["sscc-text"] and "unit.serial" in faults[0]["message"]


def test_saving_a_template_that_never_printed_revises_it_in_place(qa: TestClient, demo_engine: Engine) -> None:
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    element(doc, "sscc-text")["x_mm"] = 7.5
    answer = qa.put(f"/console/labels/{CODE}", headers=HX, json={"doc": doc})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"code": CODE, "version": 1, "in_use": False, "new_version": False}
    [(stored,)] = rows(demo_engine, "SELECT doc FROM label_template WHERE code = :c", c=CODE)
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert element(stored, "sscc-text")["x_mm"] == 7.5


def test_saving_a_template_in_use_makes_a_new_version_and_leaves_the_printed_one(qa: TestClient,
                                                                                demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:   # as printing does (PrintService marks the version it printed from)
        conn.execute(text("UPDATE label_template SET in_use = :t WHERE code = :c"), {"t": True, "c": CODE})
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    before = copy.deepcopy(doc)
    element(doc, "sscc-barcode")["height_mm"] = 25
    element(doc, "to")["source"] = {"field": "shipment.customer_code"}
    doc["sample"]["shipment.customer_code"] = "DST-EC"
    answer = qa.put(f"/console/labels/{CODE}", headers=HX, json={"doc": doc})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"code": CODE, "version": 2, "in_use": False, "new_version": True}
    found = {v: json.loads(d) if isinstance(d, str) else d for v, d in
             rows(demo_engine, "SELECT version, doc FROM label_template WHERE code = :c", c=CODE)}
    assert set(found) == {1, 2}
    assert element(found[1], "sscc-barcode")["height_mm"] == element(before, "sscc-barcode")["height_mm"] == 30
    assert element(found[2], "sscc-barcode")["height_mm"] == 25
    assert element(found[2], "to")["source"]["field"] == "shipment.customer_code"
    assert element(found[1], "to")["source"]["field"] == "shipment.customer_name"
    assert setup_of(qa.get(f"/console/labels/{CODE}").text)["version"] == 2


def test_an_invalid_element_is_refused_with_the_fault_named_and_nothing_written(qa: TestClient,
                                                                             demo_engine: Engine) -> None:
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    element(doc, "content-barcode")["gs1"][0]["ai"] = "999"        # not a GS1 Application Identifier
    element(doc, "count")["x_mm"] = 140                             # past the 100 mm label
    answer = qa.put(f"/console/labels/{CODE}", headers=HX, json={"doc": doc})
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "template_invalid"
    named = {f["element"]: f["message"] for f in body["faults"]}
    assert set(named) == {"content-barcode", "count"}
    assert "(999) is not a GS1 Application Identifier" in named["content-barcode"]
    assert "past the label's width" in named["count"]
    [(version, stored)] = rows(demo_engine, "SELECT version, doc FROM label_template WHERE code = :c", c=CODE)
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert version == 1 and element(stored, "count")["x_mm"] == 55


def test_a_change_without_the_htmx_header_is_refused(qa: TestClient) -> None:
    doc = setup_of(qa.get(f"/console/labels/{CODE}").text)["doc"]
    assert qa.put(f"/console/labels/{CODE}", json={"doc": doc}).status_code == 403
