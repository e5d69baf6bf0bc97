"""Inspections: sampled by ISO 2859-1, judged against the plan, releasing or holding the unit in one commit."""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.errors import Forbidden
from backend.masterdata.errors import StaleVersion
from backend.quality.errors import (
    InspectionIdReused,
    InspectionRefused,
    InvalidPlan,
    NoActivePlan,
    PhotoTooLarge,
    UnsupportedPhoto,
    WrongSampleCount,
)
from backend.quality.inspection_service import InspectionService
from backend.quality.models import Inspection, InspectionPhoto, Nonconformance, NonconformanceStep
from backend.quality.photo_inbox import PhotoInbox
from backend.quality.plan_service import PlanService, load_demo_plans
from backend.quality.schemas import PlanCreate
from shared_models.enums import EventType, InspectionStage, UnitStatus
from shared_models.masterdata import Item
from shared_models.quality import sampling_plan
from shared_models.quality.commands import RecordInspection
from shared_models.trace import Event, Unit
from tests.backend.story import receive
from tests.factories import Plant, at, eid

GOOD = {"MFI": 10.2, "MOISTURE": "0.01", "LOOK": "clean"}
LOW_MFI = {**GOOD, "MFI": 7.4}
RESIN_SAMPLE = sampling_plan(100, "1.0", "II").sample_size   # 13 of a 100 kg lot, accept 0


def resin_plan(**over: Any) -> PlanCreate:
    return PlanCreate.model_validate({
        "code": "IQC-RESIN", "name": "IQC PC resin", "item": "RESIN-01", "stage": "iqc", "aql": "1.0", "level": "II",
        "characteristics": [
            {"code": "MFI", "name": "Melt flow index", "kind": "numeric", "unit": "g/10min", "lower": 8, "upper": 12,
             "defect_code": "D-MFI"},
            {"code": "MOISTURE", "name": "Moisture", "kind": "numeric", "unit": "%", "upper": 0.02,
             "defect_code": "D-MOIST"},
            {"code": "LOOK", "name": "Pellet appearance", "kind": "choice", "choices": ["clean", "black_specks"],
             "fail_choices": ["black_specks"], "defect_code": "D-CONTAM"},
        ],
        "defect_codes": [
            {"code": "D-MFI", "name_en": "Melt flow index out of spec", "name_zh": "熔融指数超差"},
            {"code": "D-MOIST", "name_en": "Moisture too high", "name_zh": "水分超标"},
            {"code": "D-CONTAM", "name_en": "Contaminated pellets", "name_zh": "杂质", "severity": "minor"},
        ], **over})


def pcb_photo_plan() -> PlanCreate:
    return PlanCreate.model_validate({
        "code": "IQC-PCB", "name": "IQC bare PCB", "item": "PCB-01", "stage": "iqc", "aql": "0.65",
        "characteristics": [
            {"code": "THICKNESS", "name": "Board thickness", "kind": "numeric", "unit": "mm", "lower": 1.52,
             "upper": 1.68},
            {"code": "SURFACE", "name": "Surface photo", "kind": "photo"},
        ]})


def principal(plant: Plant, username: str) -> Principal:
    user = plant.users[username]
    return Principal(user_id=user.id, username=user.username, role=user.role, site_id=user.site_id,
                     customer_id=user.customer_id)


def inspections(session: Session, plant: Plant, username: str = "inspector",
                inbox: Path | None = None, **options: Any) -> InspectionService:
    return InspectionService(session, principal(plant, username),
                             photo_inbox=PhotoInbox(inbox or Path("/nonexistent/photo-inbox")), **options)


def inspect(unit: str, answers: list[dict[str, Any]], **over: Any) -> RecordInspection:
    return RecordInspection.model_validate({"id": eid(), "occurred_at": at(30), "device_id": "hh-7", "unit": unit,
                                            "stage": "iqc", "answers": answers, **over})


def received_resin(session: Session, plant: Plant, qty: float = 100) -> None:
    PlanService(session).create(resin_plan())
    receive(session, "RESIN-01", "R1", qty)


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def waiting(tmp_path: Path) -> list[Path]:
    """What is left in the photo inbox."""
    folder = tmp_path / "inbox"
    return sorted(folder.iterdir()) if folder.exists() else []


def jpeg(size: tuple[int, int] = (64, 48), *, gps: bool = False, noise: bool = False) -> bytes:
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (200, 40, 30))
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "LotlineTestCam"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update({
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 18.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (120.0, 37.0, 0.0)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# -- verdicts and their effect on the unit --------------------------------------------------------------------
def test_iqc_pass_releases_a_quarantined_lot(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    assert unit(session, "RESIN-01/R1").status is UnitStatus.QUARANTINE
    done = inspections(session, plant).record(inspect("RESIN-01/R1", [GOOD] * RESIN_SAMPLE))
    assert (done.verdict, done.sample_size, done.defective_units, done.lot_size) == ("pass", 13, 0, 100)
    assert unit(session, "RESIN-01/R1").status is UnitStatus.RELEASED
    [event] = session.exec(select(Event).where(Event.type == EventType.DISPOSITION)).all()
    assert event.attributes["action"] == "release" and event.attributes["authority"] == "inspection"
    assert event.user_id == plant.users["inspector"].id
    assert session.exec(select(Nonconformance)).all() == []


def test_iqc_fail_holds_the_lot_and_opens_a_nonconformance_with_the_defects(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    answers = [LOW_MFI, LOW_MFI, {**GOOD, "LOOK": "black_specks"}] + [GOOD] * (RESIN_SAMPLE - 3)
    done = inspections(session, plant).record(inspect("RESIN-01/R1", answers, note="bags 3 and 7"))
    assert (done.verdict, done.defective_units) == ("fail", 3)
    assert unit(session, "RESIN-01/R1").status is UnitStatus.ON_HOLD
    nc = session.exec(select(Nonconformance)).one()
    assert (nc.code, nc.state, nc.inspection_id) == ("NC-202611-0001", "open", done.id)
    assert [(d["code"], d["count"], d["name_zh"]) for d in nc.defects] == [("D-CONTAM", 1, "杂质"),
                                                                           ("D-MFI", 2, "熔融指数超差")]
    assert "3 of 13 sampled units defective" in nc.description and "bags 3 and 7" in nc.description
    [step] = session.exec(select(NonconformanceStep)).all()
    assert (step.transition, step.from_state, step.to_state) == ("report", None, "open")
    assert step.by_user_id == plant.users["inspector"].id and step.at == done.occurred_at
    assert "failed on plan IQC-RESIN" in step.fields["reason"]


def test_defects_up_to_the_acceptance_number_still_pass(session: Session, plant: Plant) -> None:
    PlanService(session).create(resin_plan(aql="4.0"))
    receive(session, "RESIN-01", "R1", 100)
    sampling = sampling_plan(100, "4.0", "II")
    assert sampling.accept == 2
    answers = [LOW_MFI] * 2 + [GOOD] * (sampling.sample_size - 2)
    done = inspections(session, plant).record(inspect("RESIN-01/R1", answers))
    assert (done.verdict, done.defective_units) == ("pass", 2)
    assert [(d["code"], d["count"]) for d in done.defects] == [("D-MFI", 2)]
    assert unit(session, "RESIN-01/R1").status is UnitStatus.RELEASED


def test_the_wrong_number_of_samples_is_refused_naming_both_numbers(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    with pytest.raises(WrongSampleCount, match=r"asks for 13 sampled units from a lot of 100 .*; 5 answer sets"):
        inspections(session, plant).record(inspect("RESIN-01/R1", [GOOD] * 5))
    assert session.exec(select(func.count()).select_from(Inspection)).one() == 0
    assert unit(session, "RESIN-01/R1").status is UnitStatus.QUARANTINE


def test_a_whole_lot_smaller_than_the_sample_is_inspected_unit_by_unit(session: Session, plant: Plant) -> None:
    received_resin(session, plant, qty=5)
    with pytest.raises(WrongSampleCount, match=r"every unit of the lot of 5 \(100% inspection\); 13 answer"):
        inspections(session, plant).record(inspect("RESIN-01/R1", [GOOD] * 13))
    assert inspections(session, plant).record(inspect("RESIN-01/R1", [GOOD] * 5)).sample_size == 5


def test_a_numeric_answer_outside_its_limits_is_a_defect(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    done = inspections(session, plant).record(inspect("RESIN-01/R1", [{**GOOD, "MOISTURE": 0.03}, GOOD],
                                                      lot_size=2))
    assert (done.verdict, done.sample_size) == ("fail", 2)
    assert [(d["code"], d["characteristic"], d["count"]) for d in done.defects] == [("D-MOIST", "MOISTURE", 1)]
    [failed] = done.answers["results"][0]["failed"]
    assert failed["reason"] == "0.03 % is above the upper limit 0.02 %"
    assert done.answers["results"][1] == {"verdict": "pass", "failed": [], "missing": []}


def test_answers_that_do_not_fit_the_plan_are_refused_sample_by_sample(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    bad = [{"MFI": "ten", "MOISTURE": 0.01, "LOOK": "clean"}, {"MOISTURE": 0.01, "LOOK": "clean"}]
    with pytest.raises(InspectionRefused) as refused:
        inspections(session, plant).record(inspect("RESIN-01/R1", bad, lot_size=2))
    assert [(p["sample"], p["characteristic"], p["problem"]) for p in refused.value.context["problems"]] == [
        (1, "MFI", "wrong_type"), (2, "MFI", "missing_answer")]
    assert refused.value.detail.startswith("Sample 1: MFI (Melt flow index) expects a number in g/10min")


def test_a_missing_required_photo_is_refused(session: Session, plant: Plant) -> None:
    PlanService(session).create(pcb_photo_plan())
    receive(session, "PCB-01", "P1", 2, supplier="SUP-B")
    with pytest.raises(InspectionRefused, match=r"Sample 1: SURFACE \(Surface photo\) needs at least one photo"):
        inspections(session, plant).record(inspect("PCB-01/P1", [{"THICKNESS": 1.6}] * 2))
    assert session.exec(select(func.count()).select_from(Inspection)).one() == 0


def test_photos_uploaded_first_are_taken_in_by_the_inspection_that_lists_them(session: Session, plant: Plant,
                                                                             tmp_path: Path) -> None:
    PlanService(session).create(pcb_photo_plan())
    receive(session, "PCB-01", "P1", 2, supplier="SUP-B")
    service = inspections(session, plant, inbox=tmp_path / "inbox")
    first, second = (service.add_photo(None, jpeg(), "image/jpeg") for _ in range(2))
    photos = [{"characteristic": "SURFACE", "sample_index": n, "photo_id": p.id} for n, p in enumerate((first,
                                                                                                      second))]
    done = service.record(inspect("PCB-01/P1", [{"THICKNESS": 1.6}] * 2, photos=photos))
    stored = session.exec(select(InspectionPhoto).order_by(InspectionPhoto.id)).all()
    assert {(p.id, p.inspection_id, p.characteristic) for p in stored} == {
        (first.id, done.id, "SURFACE"), (second.id, done.id, "SURFACE")}
    assert waiting(tmp_path) == []   # the inbox is empty again


def test_the_same_inspection_id_twice_stores_once(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    command = inspect("RESIN-01/R1", [LOW_MFI] + [GOOD] * (RESIN_SAMPLE - 1))
    first = inspections(session, plant).record(command)
    again_service = inspections(session, plant)
    again = again_service.record(command)
    assert first.id == again.id and again_service.ledger.replayed
    assert session.exec(select(func.count()).select_from(Inspection)).one() == 1
    assert session.exec(select(func.count()).select_from(Nonconformance)).one() == 1
    assert session.exec(select(func.count()).select_from(Event).where(Event.type == EventType.DISPOSITION)).one() == 1


def test_an_inspection_id_reused_for_other_answers_is_refused(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    command = inspect("RESIN-01/R1", [GOOD] * RESIN_SAMPLE)
    inspections(session, plant).record(command)
    changed = command.model_copy(update={"answers": [LOW_MFI] * RESIN_SAMPLE})
    with pytest.raises(InspectionIdReused, match=str(command.id)):
        inspections(session, plant).record(changed)


def test_without_an_active_plan_the_inspection_is_refused_naming_the_item(session: Session, plant: Plant) -> None:
    receive(session, "RESIN-01", "R1", 100)
    with pytest.raises(NoActivePlan, match="no active IQC plan for RESIN-01"):
        inspections(session, plant).record(inspect("RESIN-01/R1", [GOOD] * RESIN_SAMPLE))


def test_a_picker_may_not_record_an_inspection(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    with pytest.raises(Forbidden, match="picker may not record inspections"):
        inspections(session, plant, "picker").record(inspect("RESIN-01/R1", [GOOD] * RESIN_SAMPLE))


def test_an_offline_inspection_of_a_unit_gone_meanwhile_is_recorded_for_qa(session: Session, plant: Plant) -> None:
    received_resin(session, plant)
    lot = unit(session, "RESIN-01/R1")
    lot.status = UnitStatus.SCRAPPED
    session.add(lot)
    session.commit()
    service = inspections(session, plant, record_gate_violations=True)
    done = service.record(inspect("RESIN-01/R1", [GOOD] * RESIN_SAMPLE))
    assert [v.rule for v in service.violations] == ["status_scrapped"]
    assert done.answers["gate_violations"][0]["reason"] == "RESIN-01/R1 has been scrapped"
    assert unit(session, "RESIN-01/R1").status is UnitStatus.SCRAPPED


# -- photos ---------------------------------------------------------------------------------------------------
def test_photo_exif_and_gps_are_stripped(session: Session, plant: Plant, tmp_path: Path) -> None:
    original = jpeg(gps=True)
    with Image.open(BytesIO(original)) as img:
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)   # the test photo really carries a position
    photo = inspections(session, plant, inbox=tmp_path / "inbox").add_photo(None, original, "image/jpeg")
    stored = inspections(session, plant, inbox=tmp_path / "inbox").photo(photo.id)
    with Image.open(BytesIO(stored.data)) as img:
        assert img.format == "JPEG" and img.size == (64, 48)
        assert not img.getexif() and "exif" not in img.info
    assert b"LotlineTestCam" not in stored.data and b"Exif" not in stored.data
    assert stored.sha256 == hashlib.sha256(stored.data).hexdigest()


def test_an_oversize_photo_is_refused(session: Session, plant: Plant, tmp_path: Path) -> None:
    big = jpeg((400, 300), noise=True)
    service = inspections(session, plant, inbox=tmp_path / "inbox", max_photo_bytes=len(big) - 1)
    with pytest.raises(PhotoTooLarge, match="the limit is"):
        service.add_photo(None, big, "image/jpeg")
    assert waiting(tmp_path) == []


@pytest.mark.parametrize("data", [b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", b"%PDF-1.7 not a photo",
                                  b"\xff\xd8\xff\xe0 a JPEG header and then nothing"])
def test_a_file_that_is_not_a_readable_jpeg_or_png_is_refused(session: Session, plant: Plant, tmp_path: Path,
                                                              data: bytes) -> None:
    with pytest.raises(UnsupportedPhoto):
        inspections(session, plant, inbox=tmp_path / "inbox").add_photo(None, data, "image/jpeg")
    assert waiting(tmp_path) == []


# -- plans ----------------------------------------------------------------------------------------------------
def test_a_plan_edit_made_against_an_older_version_is_refused(session: Session, plant: Plant) -> None:
    plans = PlanService(session)
    plans.create(resin_plan())
    assert plans.update("IQC-RESIN", {"aql": "0.65"}, expected_version=1).version == 2
    with pytest.raises(StaleVersion, match="now at version 2, not 1"):
        plans.update("IQC-RESIN", {"aql": "2.5"}, expected_version=1)
    assert plans.get_plan("IQC-RESIN").aql == "0.65"


def test_a_plan_with_a_broken_characteristic_is_refused_naming_it(session: Session, plant: Plant) -> None:
    broken = resin_plan()
    broken.characteristics[0]["lower"] = 13
    with pytest.raises(InvalidPlan, match="'MFI': lower limit 13 is above upper limit 12"):
        PlanService(session).create(broken)


def test_demo_plans_attach_to_the_demo_items_by_part_no(session: Session, plant: Plant) -> None:
    session.add_all([Item(part_no="RM-PC-01", name="PC resin", uom="kg"), Item(part_no="RM-PCB-01", name="PCB")])
    session.commit()
    found = load_demo_plans(session)
    assert found == {"loaded": ["IQC-RM-PC-01", "IQC-RM-PCB-01"], "skipped": ["IPQC-SA-BRD-01", "OQC-FG-MTR-01"]}
    resin = session.exec(select(Item).where(Item.part_no == "RM-PC-01")).one()
    assert resin.needs_iqc
    assert PlanService(session).active_for(resin.id, InspectionStage.IQC).code == "IQC-RM-PC-01"  # type: ignore[union-attr]
    assert load_demo_plans(session)["loaded"] == []


def test_photo_ids_must_be_uuids(session: Session, plant: Plant, tmp_path: Path) -> None:
    photo = inspections(session, plant, inbox=tmp_path / "inbox").add_photo(None, jpeg(), "image/png", photo_id=None)
    assert UUID(photo.id) and photo.content_type == "image/jpeg"   # the bytes decide, not the claim
