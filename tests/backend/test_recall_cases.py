"""Recall cases on the demo plant: open from a supplier lot, codes or a line; block, notify, take returns, close."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.app import create_app
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.service import principal_of
from backend.coding.models import NumberingRule, NumberKind
from backend.config import Settings
from backend.errors import InvalidInput
from backend.production.models import OperationReport, WorkOrder
from backend.recall.case_service import RecallService
from backend.recall.errors import AlreadyReturned, NotInRecall, OutstandingUnits, RecallStateConflict
from shared_models.enums import EventType, UnitStatus
from shared_models.masterdata import Equipment
from shared_models.trace import ContainerContent, Event, Unit
from sync.server.stream import StreamOptions
from tests.factories import eid

GTIN_METER = "06901234000016"
METERS = [f"FG-MTR-01/SN26{n:06d}" for n in range(1, 61)]   # made from case lot CASE261012 (resin PC2610-A)
MOULDING_DAY = (datetime(2026, 10, 6, tzinfo=UTC), datetime(2026, 10, 6, 23, 59, 59, tzinfo=UTC))
CASE_LOT = "SA-CASE-01/CASE261012"
RESIN_LOT = "RM-PC-01/PC2610-A"


@pytest.fixture
def engine(demo_engine: Engine) -> Engine:
    """Every test here starts from the demo plant (seeded once per test process, copied for each test)."""
    return demo_engine


@pytest.fixture
def demo(session: Session) -> Session:
    return session


@pytest.fixture
def demo_client(engine: Engine, settings: Settings, demo: Session) -> Iterator[TestClient]:
    app = create_app(settings, engine, stream_options=StreamOptions(once=True, batch_size=500))
    with TestClient(app) as c:
        yield c


def demo_login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": "lotline-demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def who(session: Session, username: str) -> Principal:
    return principal_of(session.exec(select(User).where(User.username == username)).one())


def recalls(session: Session, username: str = "qa", **options: object) -> RecallService:
    return RecallService(session, who(session, username), **options)  # type: ignore[arg-type]


def status_of(session: Session, code: str) -> UnitStatus:
    session.expire_all()
    return session.exec(select(Unit).where(Unit.code == code)).one().status


def gs1(unit_code: str) -> str:
    return f"(01){GTIN_METER}(21){unit_code.split('/')[1]}"


def carton_of(session: Session, unit_code: str) -> str:
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).one()
    content = session.exec(select(ContainerContent).where(ContainerContent.unit_id == unit.id)).one()
    carton = session.get(Unit, content.container_id)
    assert carton is not None and carton.sscc
    return carton.sscc


def pdf_pages(data: bytes) -> list[str]:
    """The text drawn on each page: enough of PDF to read fpdf2's output (ToUnicode maps or core fonts)."""
    objects = {int(m[1]): m[2] for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}

    def stream(num: int) -> bytes:
        body = objects[num]
        raw = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        assert raw is not None
        return zlib.decompress(raw[1]) if b"/FlateDecode" in body.split(b"stream")[0] else raw[1]

    def ref(body: bytes, key: bytes) -> int | None:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
        return int(found[1]) if found else None

    def cmap(font_num: int) -> dict[bytes, str] | None:
        to_unicode = ref(objects[font_num], b"ToUnicode")
        if to_unicode is None:
            return None  # a core font: the string bytes are the text
        pairs = re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", stream(to_unicode).split(b"endcodespacerange")[1])
        return {bytes.fromhex(k.decode()): bytes.fromhex(v.decode()).decode("utf-16-be") for k, v in pairs}

    def literal(s: bytes) -> bytes:
        escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
        return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit()
                      else escapes.get(m[1], m[1]), s, flags=re.S)

    pages = []
    for body in objects.values():
        if not re.search(rb"/Type /Page\b", body):
            continue
        resources = objects[ref(body, b"Resources")]  # type: ignore[index]
        font_refs = dict(re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources))
        maps = {name: cmap(int(num)) for name, num in font_refs.items()}
        content = stream(ref(body, b"Contents"))  # type: ignore[arg-type]
        text, current, saved = [], None, []
        tokens = rb"/(F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|(?<!\S)([qQ])(?!\S)"
        for token in re.finditer(tokens, content, re.S):
            if token[3] == b"q":  # q / Q save and restore the graphics state, the font with it
                saved.append(current)
            elif token[3] == b"Q":
                current = saved.pop()
            elif token[1]:
                current = maps[token[1]]
            elif current is None:
                text.append(literal(token[2]).decode("latin-1"))
            else:
                raw = literal(token[2])
                text.append("".join(current.get(raw[i:i + 2], "\ufffd") for i in range(0, len(raw), 2)))
        pages.append("".join(text))
    return pages


# -- the whole story over HTTP -----------------------------------------------------------------------------------
def test_a_supplier_lot_recall_runs_from_scope_to_closing_on_the_demo_plant(demo_client: TestClient,
                                                                           demo: Session) -> None:
    qa, picker = demo_login(demo_client, "qa"), demo_login(demo_client, "picker")
    r = demo_client.post("/api/recall/cases", headers=qa, json={
        "title": "PC resin flame-retardant out of spec", "reason": "Supplier notice: NB-88121 fails UL94 V-0.",
        "supplier_lot": {"supplier": "SUP-NBP", "lot": "NB-88121"}})
    assert r.status_code == 201, r.text
    case = r.json()
    code = case["code"]
    assert case["state"] == "open" and case["seeds"] == [RESIN_LOT]
    assert case["origin"] == {"kind": "supplier_lot", "supplier": "SUP-NBP", "supplier_lot": "NB-88121"}
    assert case["totals"]["finished_units"] == 60 and case["totals"]["customers"] == 2
    shipped = demo_client.get(f"/api/recall/cases/{code}/units", params={"kind": "shipped"}, headers=qa).json()
    assert sorted(u["unit"] for u in shipped) == METERS
    in_stock = demo_client.get(f"/api/recall/cases/{code}/units", params={"kind": "in_stock"}, headers=qa).json()
    assert {(u["unit"], u["location"], u["qty"]) for u in in_stock} == {
        (CASE_LOT, "SZ-FG-01", 40.0), (RESIN_LOT, "SZ-RM-01", 464.5)}

    # Returns before the customers are told: refused, saying what may happen now.
    early = demo_client.post(f"/api/recall/cases/{code}/returns", headers=qa,
                             json={"scanned_code": gs1(METERS[0]), "location": "SZ-RCV"})
    assert early.status_code == 409 and early.json()["code"] == "recall_state"
    assert early.json()["context"]["allowed"] == ["block", "close"]

    blocked = demo_client.post(f"/api/recall/cases/{code}/block", headers=qa)
    assert blocked.status_code == 200, blocked.text
    assert sorted(blocked.json()["recalled"]) == [RESIN_LOT, CASE_LOT] and blocked.json()["case"]["state"] == "blocking"
    assert status_of(demo, CASE_LOT) is UnitStatus.RECALLED and status_of(demo, RESIN_LOT) is UnitStatus.RECALLED
    pick = demo_client.post("/api/events/pick", headers=picker, json={
        "id": eid(), "occurred_at": datetime.now(UTC).isoformat(), "unit": CASE_LOT, "qty": 1,
        "from_location": "SZ-FG-01", "to_location": "SZ-SHIP"})
    assert pick.status_code == 409 and "recalled" in pick.json()["detail"]

    notices = demo_client.get(f"/api/recall/cases/{code}/notifications", headers=qa).json()
    assert [(n["code"], len(n["units"]), n["qty"]) for n in notices] == [("CUS-SGJS", 30, 30.0), ("DST-EC", 30, 30.0)]
    assert notices[0]["name"] == "国网江苏 State Grid Jiangsu" and notices[0]["units"] == METERS[:30]
    assert [s["reference"] for s in notices[0]["shipments"]] == ["DN-2611-001"]
    assert [s["reference"] for s in notices[1]["shipments"]] == ["DN-2611-002"]

    csv_r = demo_client.get(f"/api/recall/cases/{code}/notifications.csv", headers=qa)
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    assert csv_r.content.startswith(b"\xef\xbb\xbf")
    rows = csv_r.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 61 and rows[1].startswith(f"{code},CUS-SGJS,国网江苏 State Grid Jiangsu,customer")

    pdf_r = demo_client.get(f"/api/recall/cases/{code}/notifications.pdf", headers=qa)
    assert pdf_r.status_code == 200 and pdf_r.content.startswith(b"%PDF")
    pages = pdf_pages(pdf_r.content)
    assert len(pages) == 2  # a page per customer, with its shipment and its units
    assert "CUS-SGJS  国网江苏 State Grid Jiangsu" in pages[0] and "DN-2611-001" in pages[0]
    assert all(m in pages[0] for m in METERS[:30]) and "DST-EC  华东经销" in pages[1] and METERS[59] in pages[1]
    if shutil.which("pdftotext"):  # a second reader, where poppler is installed
        out = subprocess.run(["pdftotext", "-", "-"], input=pdf_r.content, capture_output=True, check=True)
        assert b"CUS-SGJS" in out.stdout and b"DST-EC" in out.stdout
    assert demo_client.get(f"/api/recall/cases/{code}", headers=qa).json()["state"] == "notifying"

    for unit in METERS:
        back = demo_client.post(f"/api/recall/cases/{code}/returns", headers=picker,
                                json={"scanned_code": gs1(unit), "location": "SZ-RCV"})
        assert back.status_code == 201, back.text
        assert back.json()["units"] == [unit]
    assert status_of(demo, METERS[0]) is UnitStatus.RECALLED

    detail = demo_client.get(f"/api/recall/cases/{code}", headers=qa).json()
    progress = detail["progress"]
    assert detail["state"] == "tracking"
    assert (progress["shipped_units"], progress["returned_units"], progress["outstanding_units"]) == (60, 60, 0)
    assert [(c["code"], c["returned_units"], c["outstanding_units"]) for c in progress["customers"]] == [
        ("CUS-SGJS", 30, 0), ("DST-EC", 30, 0)]
    assert progress["blocked"] == {"units": 2, "qty": 504.5, "recalled_units": 2, "not_recalled": []}

    closed = demo_client.post(f"/api/recall/cases/{code}/close", headers=qa, json={})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    listed = demo_client.get("/api/recall/cases", params={"state": "closed"}, headers=qa).json()
    assert [c["code"] for c in listed] == [code]
    assert demo_client.post("/api/recall/cases", headers=picker, json={
        "title": "x", "reason": "y", "codes": [CASE_LOT]}).status_code == 403


def test_the_sync_stream_carries_the_recalled_status_to_the_site(demo_client: TestClient, demo: Session) -> None:
    service = recalls(demo)
    case = service.open_case("Cases", "Sink marks", codes=[CASE_LOT])
    service.block(case.code)
    lines = demo_client.post("/sync/stream", headers=demo_login(demo_client, "picker"), json={
        "buckets": [], "include_checksum": True, "raw_data": True, "client_id": "hh-1"}).text.splitlines()
    unit = demo.exec(select(Unit).where(Unit.code == CASE_LOT)).one()
    site_bucket = f'site["{unit.site_id}"]'
    ops = [op for line in map(json.loads, lines) if "data" in line and line["data"]["bucket"] == site_bucket
           for op in line["data"]["data"] if op.get("object_type") == "unit" and op.get("object_id") == unit.id]
    assert ops and json.loads(ops[-1]["data"])["status"] == "recalled"


# -- opening -----------------------------------------------------------------------------------------------------
def test_case_codes_come_from_the_plants_recall_case_numbering_rule_when_there_is_one(demo: Session) -> None:
    service = recalls(demo)
    assert re.fullmatch(r"RC-\d{8}-001", service.open_case("Default", "No rule yet", codes=[CASE_LOT]).code)
    demo.add(NumberingRule(code="RECALLS", kind=NumberKind.RECALL_CASE, width=4, pattern=[
        {"part": "literal", "value": "QA-RC-"}, {"part": "YYYY"}, {"part": "literal", "value": "-"},
        {"part": "seq"}]))
    demo.commit()
    year = datetime.now(UTC).year
    assert [service.open_case(f"Case {n}", "Numbered", codes=[CASE_LOT]).code for n in range(2)] == \
        [f"QA-RC-{year}-0001", f"QA-RC-{year}-0002"]


def test_a_case_from_a_carton_code_takes_its_meters_and_a_pdf_comes_out_without_cjk_fonts(
        demo: Session, tmp_path: Path) -> None:
    service = recalls(demo, font_dirs=[tmp_path])  # no font there: the core-font fallback
    sscc = carton_of(demo, METERS[0])
    case = service.open_case("One carton", "Dropped in transit", codes=[f"(00){sscc}"])
    assert case.seeds[0] == sscc and sorted(case.seeds[1:]) == METERS[:10]
    units = service.units(case.code)
    assert {(u.kind, u.customer) for u in units} == {("shipped", "CUS-SGJS")} and len(units) == 10
    with pytest.raises(InvalidInput, match="is an item"):
        service.open_case("Item", "not a unit", codes=["FG-MTR-01"])
    with pytest.raises(InvalidInput, match="exactly one"):
        service.open_case("Two", "origins", codes=[CASE_LOT], line="SZ-FG-01", window=MOULDING_DAY)
    assert service.block(case.code).recalled == []
    pages = pdf_pages(service.export_pdf(case.code))
    assert "CUS-SGJS" in pages[0] and "[?] State Grid Jiangsu" in pages[0] and "no CJK font" in pages[-1]


def test_a_case_from_the_moulding_line_on_its_day_takes_both_case_lots(demo: Session) -> None:
    service = recalls(demo)
    case = service.open_case("Moulding", "Mould temperature drifted", line="SZ-FG-01", window=MOULDING_DAY)
    assert case.seeds == [CASE_LOT, "SA-CASE-01/CASE261015"]
    assert case.origin["line_kind"] == "location"
    units = service.units(case.code)
    shipped = [u for u in units if u.kind == "shipped"]
    assert len(shipped) == 80 and {u.customer for u in shipped} == {"CUS-SGJS", "DST-EC", "DST-SC"}
    stock = {u.unit: u.qty for u in units if u.kind == "in_stock"}
    assert stock[CASE_LOT] == 40 and stock["SA-CASE-01/CASE261015"] == 60
    assert sorted(c for c in stock if c.startswith("FG-MTR-01/")) == [f"FG-MTR-01/SN26{n:06d}" for n in range(81, 101)]

    # The moulder itself: what its work order made while it ran.
    moulder = demo.exec(select(Equipment).where(Equipment.code == "EQ-IM-01")).one()
    order = demo.exec(select(WorkOrder).where(WorkOrder.code == "WO-M-2610-01")).one()
    demo.add(OperationReport(id=eid(), work_order_id=order.id, seq=10, operation_code="MOULD", site_id=order.site_id,
                             equipment_id=moulder.id, started_at=datetime(2026, 10, 6, 0, 40, tzinfo=UTC),
                             ended_at=datetime(2026, 10, 6, 2, 10, tzinfo=UTC)))
    demo.commit()
    by_machine = service.open_case("Moulder 01", "Heater fault", line="EQ-IM-01", window=MOULDING_DAY)
    assert by_machine.seeds == [CASE_LOT] and by_machine.origin["line_kind"] == "equipment"
    with pytest.raises(InvalidInput, match="Nothing was produced"):
        service.open_case("Quiet day", "none", line="SZ-FG-01",
                          window=(datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC)))


# -- blocking, returns, closing ----------------------------------------------------------------------------------
def test_blocking_twice_changes_nothing(demo: Session) -> None:
    service = recalls(demo)
    case = service.open_case("Resin", "Supplier notice", supplier_lot=("SUP-NBP", "NB-88121"))
    first = service.block(case.code)
    dispositions = demo.exec(select(func.count()).select_from(Event).where(Event.type == EventType.DISPOSITION)).one()
    again = service.block(case.code)
    assert len(first.events) == 2 and again.recalled == [] and again.events == []
    assert sorted(again.already_recalled) == [RESIN_LOT, CASE_LOT] and again.case.state == "blocking"
    assert demo.exec(select(func.count()).select_from(Event).where(Event.type == EventType.DISPOSITION)).one() \
        == dispositions


def test_a_return_must_be_in_the_case_and_comes_back_only_once(demo: Session) -> None:
    service = recalls(demo)
    case = service.open_case("Resin", "Supplier notice", supplier_lot=("SUP-NBP", "NB-88121"))
    service.block(case.code)
    service.export_csv(case.code)
    with pytest.raises(NotInRecall, match="SN26000061 is not among the units"):  # shipped to DST-SC, other resin
        service.record_return(case.code, gs1("FG-MTR-01/SN26000061"), location="SZ-RCV")
    scan_id = eid()
    first = service.record_return(case.code, gs1(METERS[0]), location="SZ-RCV", event_id=scan_id)
    assert first.customer == "CUS-SGJS" and first.qty == 1
    retried = service.record_return(case.code, gs1(METERS[0]), location="SZ-RCV", event_id=scan_id)
    assert retried.event_id == first.event_id  # a lost answer, asked again: the same return
    with pytest.raises(AlreadyReturned, match="already returned"):
        service.record_return(case.code, gs1(METERS[0]), location="SZ-RCV")
    carton = service.record_return(case.code, carton_of(demo, METERS[0]), location="SZ-RCV")
    assert carton.units == METERS[1:10]  # the rest of that carton; the meter already back is not counted twice
    assert service.progress(case.code).returned_units == 10


def test_closing_with_units_outstanding_needs_a_reason(demo: Session) -> None:
    service = recalls(demo)
    case = service.open_case("Resin", "Supplier notice", supplier_lot=("SUP-NBP", "NB-88121"))
    with pytest.raises(RecallStateConflict, match="allowed now: block, close"):
        service.export_csv(case.code)
    service.block(case.code)
    service.export_csv(case.code)
    service.record_return(case.code, gs1(METERS[0]), location="SZ-RCV")
    with pytest.raises(OutstandingUnits, match="59 shipped unit"):
        service.close(case.code, "")
    closed = service.close(case.code, "59 meters installed in the field; replaced on site by the customer.")
    assert closed.state.value == "closed" and closed.totals["closing"]["outstanding_units"] == 59
    with pytest.raises(RecallStateConflict, match="is closed; it cannot block"):
        service.block(case.code)
