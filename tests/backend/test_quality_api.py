"""Quality over HTTP: role guards, photos in and out, nonconformances through the workflow, offline inspections."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image
from sqlmodel import Session

from backend.config import Settings
from backend.quality.plan_service import PlanService
from shared_models.enums import UnitStatus
from tests.backend.story import receive
from tests.backend.test_quality_inspection import (
    GOOD,
    LOW_MFI,
    RESIN_SAMPLE,
    jpeg,
    pcb_photo_plan,
    received_resin,
    resin_plan,
    unit,
)
from tests.factories import Plant, at, eid

API = "/api/quality"


def body(unit_code: str, answers: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    return {"id": eid(), "occurred_at": at(30), "unit": unit_code, "stage": "iqc", "answers": answers, **over}


def failed_iqc(client: TestClient, login, session: Session, plant: Plant) -> str:  # type: ignore[no-untyped-def]
    received_resin(session, plant)
    r = client.post(f"{API}/inspections", headers=login("inspector"),
                    json=body("RESIN-01/R1", [LOW_MFI] + [GOOD] * (RESIN_SAMPLE - 1)))
    assert r.status_code == 201, r.text
    return r.json()["nonconformance"]


def test_a_picker_cannot_record_an_inspection(client: TestClient, login, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    received_resin(session, plant)
    r = client.post(f"{API}/inspections", headers=login("picker"), json=body("RESIN-01/R1", [GOOD] * RESIN_SAMPLE))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_an_inspection_is_recorded_and_read_back_with_its_photos(client: TestClient, login, session: Session,  # type: ignore[no-untyped-def]
                                                                 plant: Plant) -> None:
    PlanService(session).create(pcb_photo_plan())
    receive(session, "PCB-01", "P1", 2, supplier="SUP-B")
    ids = []
    for n in range(2):
        r = client.post(f"{API}/photos", headers=login("inspector"),
                        files={"file": (f"board-{n}.jpg", jpeg(), "image/jpeg")}, data={"characteristic": "SURFACE"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    photos = [{"characteristic": "SURFACE", "sample_index": n, "photo_id": i} for n, i in enumerate(ids)]
    r = client.post(f"{API}/inspections", headers=login("inspector"),
                    json=body("PCB-01/P1", [{"THICKNESS": "1.61"}, {"THICKNESS": 1.7}], photos=photos))
    assert r.status_code == 201, r.text
    recorded = r.json()
    assert (recorded["verdict"], recorded["plan"], recorded["inspector"]) == ("fail", "IQC-PCB", "inspector")
    shown = client.get(f"{API}/inspections/{recorded['id']}", headers=login("qa")).json()
    assert sorted((p["id"], p["sample_index"], p["content_type"]) for p in shown["photos"]) == sorted(
        (i, n, "image/jpeg") for n, i in enumerate(ids))
    assert shown["nonconformance"] == "NC-202611-0001" and shown["unit_status"] == "on_hold"
    listed = client.get(f"{API}/inspections", params={"unit": "PCB-01/P1"}, headers=login("inspector")).json()
    assert [i["id"] for i in listed] == [recorded["id"]]


def test_a_photo_sent_as_raw_body_comes_back_without_its_gps(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/photos", headers={**login("inspector"), "Content-Type": "image/jpeg"},
                    content=jpeg(gps=True))
    assert r.status_code == 201, r.text
    served = client.get(r.json()["url"], headers=login("inspector"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    with Image.open(BytesIO(served.content)) as img:
        assert not img.getexif()
    assert b"LotlineTestCam" not in served.content


def test_an_oversize_photo_is_refused_with_413(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    too_big = b"\xff\xd8\xff" + bytes(5 * 1024 * 1024)
    r = client.post(f"{API}/photos", headers={**login("inspector"), "Content-Type": "image/jpeg"}, content=too_big)
    assert r.status_code == 413 and r.json()["code"] == "photo_too_large"


def test_a_non_image_is_refused_with_415_whatever_its_header_says(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/photos", headers=login("inspector"),
                    files={"file": ("cat.jpg", b"<html>not a photo</html>", "image/jpeg")})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_photo"


def test_nonconformances_are_listed_by_state_and_shown_with_their_steps(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                        session: Session, plant: Plant) -> None:
    code = failed_iqc(client, login, session, plant)
    listed = client.get(f"{API}/nonconformances", params={"state": "open"}, headers=login("qa")).json()
    assert [(n["code"], n["unit"], n["defects"][0]["code"]) for n in listed] == [(code, "RESIN-01/R1", "D-MFI")]
    assert client.get(f"{API}/nonconformances", params={"state": "closed"}, headers=login("qa")).json() == []
    bad = client.get(f"{API}/nonconformances", params={"state": "shredded"}, headers=login("qa"))
    assert bad.status_code == 422 and "use one of open, under_review" in bad.json()["detail"]
    shown = client.get(f"{API}/nonconformances/{code}", headers=login("inspector")).json()
    assert [(s["transition"], s["by"]) for s in shown["steps"]] == [("report", "inspector")]


def test_transitions_over_http_follow_the_workflow(client: TestClient, login, session: Session,  # type: ignore[no-untyped-def]
                                                   plant: Plant) -> None:
    code = failed_iqc(client, login, session, plant)
    url = f"{API}/nonconformances/{code}/transitions"
    r = client.post(url, headers=login("inspector"), json={"transition": "start_review"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert r.json()["detail"] == "Only qa_manager can start_review from 'open'; you are inspector."
    assert client.post(url, headers=login("qa"), json={"transition": "start_review",
                                                       "fields": {"reason": "MFI low"}}).status_code == 200
    r = client.post(url, headers=login("qa"), json={"transition": "use_as_is"})
    assert r.status_code == 409 and r.json()["context"]["missing"] == ["approved_by"]
    r = client.post(url, headers=login("qa"), json={"transition": "use_as_is", "fields": {"approved_by": "Wang"}})
    assert r.status_code == 200 and r.json()["disposition"] == "use_as_is"
    assert [s["to_state"] for s in r.json()["steps"]] == ["open", "under_review", "dispositioned"]
    assert client.post(url, headers=login("picker"), json={"transition": "close"}).status_code == 403


def test_a_nonconformance_of_another_site_is_not_found(client: TestClient, login, session: Session,  # type: ignore[no-untyped-def]
                                                       plant: Plant) -> None:
    code = failed_iqc(client, login, session, plant)
    assert client.get(f"{API}/nonconformances/{code}", headers=login("qa2")).status_code == 404
    assert client.get(f"{API}/nonconformances", headers=login("qa2")).json() == []


def upload(client: TestClient, headers: dict[str, str], batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = client.post("/sync/upload", json={"client_id": "hh-7", "batch": batch}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["verdicts"]


def test_an_offline_inspection_uploaded_through_sync_applies(client: TestClient, login, session: Session,  # type: ignore[no-untyped-def]
                                                             plant: Plant) -> None:
    received_resin(session, plant)
    data = {k: v for k, v in body("RESIN-01/R1", [GOOD] * RESIN_SAMPLE).items() if k != "id"}
    entry = {"op_id": 1, "op": "PUT", "type": "event_command", "id": eid(), "tx_id": 1,
             "data": {"kind": "inspect", **data}}
    assert [v["status"] for v in upload(client, login("inspector"), [entry])] == ["applied"]
    session.expire_all()
    assert unit(session, "RESIN-01/R1").status is UnitStatus.RELEASED
    again = {**entry, "op_id": 2}
    assert upload(client, login("inspector"), [again])[0]["code"] == "duplicate_event"


def test_an_offline_inspection_listing_an_uploaded_photo_takes_it_in(client: TestClient, login, session: Session,  # type: ignore[no-untyped-def]
                                                                     plant: Plant, settings: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTLINE_DATA_DIR", str(settings.data_dir))   # the sync path finds the inbox by it
    PlanService(session).create(pcb_photo_plan())
    receive(session, "PCB-01", "P1", 1, supplier="SUP-B")
    photo = client.post(f"{API}/photos", headers={**login("inspector"), "Content-Type": "image/png"},
                        content=_png()).json()
    data = body("PCB-01/P1", [{"THICKNESS": 1.6}],
                photos=[{"characteristic": "SURFACE", "sample_index": 0, "photo_id": photo["id"]}])
    entry = {"op_id": 1, "op": "PUT", "type": "event_command", "id": data.pop("id"), "tx_id": 1,
             "data": {"kind": "inspect", **data}}
    assert [v["status"] for v in upload(client, login("inspector"), [entry])] == ["applied"]
    shown = client.get(f"{API}/inspections/{entry['id']}", headers=login("inspector")).json()
    assert [(p["id"], p["content_type"]) for p in shown["photos"]] == [(photo["id"], "image/png")]


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGBA", (8, 8), (0, 128, 0, 255)).save(out, "PNG")
    return out.getvalue()


def test_plans_are_created_read_and_edited_against_their_version(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    plan = resin_plan().model_dump(mode="json")
    assert client.post(f"{API}/plans", headers=login("inspector"), json=plan).status_code == 403
    r = client.post(f"{API}/plans", headers=login("qa"), json=plan)
    assert r.status_code == 201 and r.json()["item"] == "RESIN-01" and r.json()["version"] == 1
    listed = client.get(f"{API}/plans", params={"stage": "iqc"}, headers=login("inspector")).json()
    assert [p["code"] for p in listed] == ["IQC-RESIN"]
    r = client.patch(f"{API}/plans/IQC-RESIN", headers={**login("qa"), "If-Match": "1"}, json={"aql": "0.65"})
    assert r.status_code == 200 and (r.json()["aql"], r.json()["version"]) == ("0.65", 2)
    stale = client.patch(f"{API}/plans/IQC-RESIN", headers={**login("qa"), "If-Match": "1"}, json={"aql": "2.5"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert client.get(f"{API}/plans/IQC-RESIN", headers=login("picker")).json()["aql"] == "0.65"
