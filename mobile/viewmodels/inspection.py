"""Inspection (检验): scan the unit, fill the plan's characteristics form per sample, attach defect photos from the
camera, see pass/fail, submit.

The inspection goes up as an "inspect" event command through the sync queue (backend/sync/dispatch.py COMMANDS has
"inspect"), like every other offline write. Its photos cannot: the backend wants each photo uploaded (POST
/api/quality/photos) before the inspection that lists it. So an inspection with photos waits on the handheld,
photos included, until they are uploaded, and only then joins the sync queue; the screen says which happened.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mobile.i18n import Msg
from mobile.scanner.result import ScanResult
from mobile.viewmodels.api import BackendApi, Offline, Refused
from mobile.viewmodels.context import CommandInvalid, Handheld, build
from mobile.viewmodels.flow import Flow
from mobile.viewmodels.photos import PhotoCleaner, PhotoRefused, PillowPhotos
from mobile.viewmodels.replica import ScanRefused
from shared_models.quality import Characteristic, CharacteristicDefinitionError, InspectionInputError, evaluate
from shared_models.quality.commands import RecordInspection
from sync.client.adapters import DiskStorage, Storage

BUNDLED_PLANS = Path(__file__).resolve().parents[2] / "assets" / "quality" / "plans.yaml"
SYNC_CARRIES_INSPECTIONS = True  # backend/sync/dispatch.py COMMANDS has "inspect"; False: POST each one instead


# -- plans: the server's when online (cached), else the last cached, else the plans Lotline ships -------------------
class PlanSource:
    def __init__(self, api: BackendApi | None, cache_dir: Path) -> None:
        self.api = api
        self.cache = cache_dir / "plans.json"
        self.origin = "bundled"

    async def plans(self) -> list[dict[str, Any]]:
        if self.api is not None:
            try:
                found = await self.api.get("/api/quality/plans")
                if isinstance(found, list) and found:  # an empty list: this backend has no plans loaded
                    self.cache.write_text(json.dumps(found, default=str), encoding="utf-8")
                    self.origin = "server"
                    return found
            except (Offline, Refused):
                pass
        if self.cache.exists():
            self.origin = "cache"
            return json.loads(self.cache.read_text(encoding="utf-8"))
        self.origin = "bundled"
        return list(yaml.safe_load(BUNDLED_PLANS.read_text(encoding="utf-8"))["plans"])

    async def for_item(self, part_no: str) -> list[dict[str, Any]]:
        found = [p for p in await self.plans() if p.get("active", True) and p.get("item") in (part_no, None)]
        return sorted(found, key=lambda p: (p.get("item") is None, p.get("stage", ""), p["code"]))


# -- inspections waiting on this handheld, with their photos --------------------------------------------------------
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inspection (id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at TEXT NOT NULL, "
    "state TEXT NOT NULL DEFAULT 'pending', note TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS photo (id TEXT PRIMARY KEY, inspection_id TEXT NOT NULL REFERENCES inspection(id), "
    "characteristic TEXT NOT NULL, sample_index INTEGER NOT NULL, jpeg BLOB NOT NULL, server_id TEXT)",
)


@dataclass(frozen=True, slots=True)
class StoredInspection:
    id: str
    data: dict[str, Any]
    state: str          # pending | sent | refused
    note: str
    photos: int


class InspectionOutbox:
    """SQLite beside the replica: an inspection and its photos are written in one transaction, handed to
    `storage.flush()` once committed."""

    def __init__(self, path: str | Path, storage: Storage | None = None) -> None:
        self.path = str(path)
        self.storage = storage or DiskStorage()
        with self._db() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises; the connection closed."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            with db:
                yield db
        finally:
            db.close()
        self.storage.flush()

    def keep(self, data: dict[str, Any], photos: list[tuple[str, str, int, bytes]]) -> None:
        with self._db() as db:  # commits both or neither
            db.execute("INSERT INTO inspection (id, data, created_at) VALUES (?, ?, ?)",
                       (data["id"], json.dumps(data, default=str), datetime.now(UTC).isoformat()))
            db.executemany("INSERT INTO photo (id, inspection_id, characteristic, sample_index, jpeg) "
                           "VALUES (?, ?, ?, ?, ?)", [(pid, data["id"], c, i, jpeg) for pid, c, i, jpeg in photos])

    def list(self, state: str | None = None) -> list[StoredInspection]:
        with self._db() as db:
            rows = db.execute("SELECT i.id, i.data, i.state, i.note, (SELECT count(*) FROM photo p WHERE "
                              "p.inspection_id = i.id) FROM inspection i WHERE ? IS NULL OR i.state = ? "
                              "ORDER BY i.created_at", (state, state)).fetchall()
        return [StoredInspection(r[0], json.loads(r[1]), r[2], r[3], r[4]) for r in rows]

    def photos(self, inspection_id: str) -> list[tuple[str, str, int, bytes, str | None]]:
        with self._db() as db:
            return db.execute("SELECT id, characteristic, sample_index, jpeg, server_id FROM photo WHERE "
                              "inspection_id = ? ORDER BY id", (inspection_id,)).fetchall()

    def photo_sent(self, photo_id: str, server_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE photo SET server_id = ? WHERE id = ?", (server_id, photo_id))

    def settle(self, inspection_id: str, state: str, note: str = "") -> None:
        with self._db() as db:
            db.execute("UPDATE inspection SET state = ?, note = ? WHERE id = ?", (state, note, inspection_id))

    async def send(self, hh: Handheld) -> tuple[int, list[str]]:
        """Uploads the photos of waiting inspections, then hands each whole inspection on: into the sync queue
        (state "queued"), or POSTed where the sync does not carry inspections (state "sent"). Returns (handed on,
        notes); stops at the first Offline, leaving the rest waiting with their photos."""
        done, notes = 0, []
        for stored in self.list("pending"):
            try:
                refs = []
                for pid, characteristic, index, jpeg, server_id in self.photos(stored.id):
                    if server_id is None:
                        answer = await hh.api.post_file("/api/quality/photos", f"{pid}.jpg", jpeg,
                                                  fields={"characteristic": characteristic, "photo_id": pid})
                        server_id = str(answer["id"])
                        self.photo_sent(pid, server_id)
                    refs.append({"characteristic": characteristic, "sample_index": index, "photo_id": server_id})
                command = RecordInspection.model_validate({**stored.data, "photos": refs})
                if SYNC_CARRIES_INSPECTIONS:
                    hh.record("inspect", command)
                    self.settle(stored.id, "queued")
                else:
                    await hh.api.post("/api/quality/inspections", command.model_dump(mode="json"))
                    self.settle(stored.id, "sent")
            except Offline:
                break
            except Refused as exc:
                if exc.status in (404, 405):  # this backend does not take photos (yet): keep it waiting
                    notes.append(exc.detail)
                    break
                self.settle(stored.id, "refused", exc.detail)
                notes.append(exc.detail)
                continue
            done += 1
        return done, notes


def outbox_for(hh: Handheld) -> InspectionOutbox:
    """The inspections kept on this handheld for its user (a file beside the user's replica)."""
    return InspectionOutbox(hh.store.path.replace("replica-", "inspections-"), hh.storage)


# -- the form ---------------------------------------------------------------------------------------------------
@dataclass
class PhotoDraft:
    id: str
    characteristic: str
    sample_index: int
    jpeg: bytes


@dataclass
class SampleOutcome:
    verdict: str | None = None                           # pass | fail, None while answers are missing
    failed: list[str] = field(default_factory=list)      # characteristic codes that failed
    problems: dict[str, Msg] = field(default_factory=dict)


@dataclass
class InspectionForm:
    unit: str = ""
    part_no: str = ""
    plan_code: str = ""
    samples: list[dict[str, str]] = field(default_factory=lambda: [{}])
    current: int = 0
    photos: list[PhotoDraft] = field(default_factory=list)


def _answer(c: Characteristic, text: str) -> Any:
    """A typed answer as the plan's kind expects it; text that does not fit is passed on for evaluate() to name."""
    text = text.strip()
    if text == "":
        return None
    if c.kind == "pass_fail":
        return {"pass": True, "ok": True, "true": True, "fail": False, "ng": False, "false": False}.get(
            text.lower(), text)
    if c.kind == "numeric":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    return text


class InspectionViewModel(Flow):
    """`photos` cleans a camera picture into the JPEG that is kept (Pillow in server mode; the browser's own)."""

    def __init__(self, hh: Handheld, photos: PhotoCleaner | None = None) -> None:
        super().__init__(hh)
        self.photos = photos or PillowPhotos()
        self.plans = PlanSource(hh.api, hh.data_dir)
        self.outbox = outbox_for(hh)
        self.form = InspectionForm()
        self.available: list[dict[str, Any]] = []
        self.outcomes: list[SampleOutcome] = []

    # -- choosing the unit and plan ----------------------------------------------------------------------------
    @property
    def plan(self) -> dict[str, Any] | None:
        return next((p for p in self.available if p["code"] == self.form.plan_code), None)

    @property
    def characteristics(self) -> list[Characteristic]:
        plan = self.plan
        return [Characteristic.from_dict(c) for c in plan["characteristics"]] if plan else []

    @property
    def defect_codes(self) -> list[dict[str, Any]]:
        plan = self.plan
        return list(plan.get("defect_codes", [])) if plan else []

    async def on_scan(self, result: ScanResult) -> None:
        self.clear()
        try:
            found = await self.resolve(result)
        except ScanRefused as exc:
            self.fail(exc.msg)
            return
        if found.unit is None or found.item is None:
            self.fail(Msg.of("inspect.scan_unit", code=found.code))
            return
        await self.start(found.unit["code"], found.item["part_no"])

    async def start(self, unit: str, part_no: str) -> None:
        self.form = InspectionForm(unit=unit, part_no=part_no)
        self.outcomes = []
        self.available = await self.plans.for_item(part_no)
        if not self.available:
            self.fail(Msg.of("inspect.no_plan", item=part_no))
            return
        self.choose_plan(self.available[0]["code"])

    def choose_plan(self, code: str) -> None:
        if not any(p["code"] == code for p in self.available):
            raise KeyError(code)
        self.form.plan_code = code
        self.form.samples = [{}]
        self.form.current = 0
        self.form.photos = []
        self.outcomes = [SampleOutcome()]

    # -- answers, samples, photos ------------------------------------------------------------------------------
    def set_answer(self, code: str, value: str) -> None:
        self.form.samples[self.form.current][code] = value

    def answer(self, code: str) -> str:
        return self.form.samples[self.form.current].get(code, "")

    def add_sample(self) -> None:
        self.form.samples.append({})
        self.outcomes.append(SampleOutcome())
        self.form.current = len(self.form.samples) - 1

    def select_sample(self, index: int) -> None:
        if 0 <= index < len(self.form.samples):
            self.form.current = index

    async def add_photo(self, characteristic: str, data: bytes) -> bool:
        self.clear()
        try:
            jpeg = await self.photos.clean(data)
        except PhotoRefused as exc:
            self.fail(exc.msg)
            return False
        self.form.photos.append(PhotoDraft(str(uuid.uuid4()), characteristic, self.form.current, jpeg))
        self.state.done = Msg.of("inspect.photo_added", characteristic=characteristic, kb=len(jpeg) // 1024 or 1)
        return True

    def photos_for(self, characteristic: str, sample: int | None = None) -> list[PhotoDraft]:
        index = self.form.current if sample is None else sample
        return [p for p in self.form.photos if p.characteristic == characteristic and p.sample_index == index]

    # -- verdict ---------------------------------------------------------------------------------------------------
    def evaluate(self) -> str | None:
        """Judges every sample; the inspection passes when every sample passes. None while answers are missing."""
        chars = self.characteristics
        self.outcomes = []
        for index, sample in enumerate(self.form.samples):
            answers = {c.code: _answer(c, sample.get(c.code, "")) for c in chars}
            photos = {c.code: len(self.photos_for(c.code, index)) for c in chars}
            outcome = SampleOutcome()
            try:
                result = evaluate(chars, {k: v for k, v in answers.items() if v is not None},
                                  {k: n for k, n in photos.items() if n})
                outcome.verdict = result.verdict
                outcome.failed = [r.code for r in result.per_characteristic if r.verdict == "fail"]
            except InspectionInputError as exc:
                outcome.problems = {p.characteristic: Msg.of(f"inspect.problem.{p.problem}", detail=p.message)
                                    for p in exc.problems}
            except CharacteristicDefinitionError as exc:
                outcome.problems = {"plan": Msg.of("inspect.bad_plan", detail=str(exc))}
            self.outcomes.append(outcome)
        verdicts = [o.verdict for o in self.outcomes]
        if any(v is None for v in verdicts):
            return None
        return "fail" if "fail" in verdicts else "pass"

    # -- submit ----------------------------------------------------------------------------------------------------
    async def submit(self) -> bool:
        """Kept on the handheld with its photos, then handed on at once when the photos can be uploaded (or there
        are none); otherwise it waits, and the screen says so."""
        self.clear()
        plan = self.plan
        if plan is None:
            self.fail(Msg.of("inspect.scan_unit", code=self.form.unit or "—"))
            return False
        verdict = self.evaluate()
        if verdict is None:
            self.fail(Msg.of("inspect.incomplete"))
            return False
        chars = self.characteristics
        answers = [{c.code: _answer(c, s.get(c.code, "")) for c in chars if s.get(c.code, "").strip()}
                   for s in self.form.samples]
        refs = [{"characteristic": p.characteristic, "sample_index": p.sample_index, "photo_id": p.id}
                for p in self.form.photos]
        try:
            command = build(RecordInspection, **self.hh.base(), unit=self.form.unit, plan=plan["code"],
                            stage=plan["stage"], answers=answers, photos=refs)
        except CommandInvalid as exc:
            self.invalid(exc)
            return False
        data = command.model_dump(mode="json")
        data.pop("photos")
        self.outbox.keep(data, [(p.id, p.characteristic, p.sample_index, p.jpeg) for p in self.form.photos])
        _, notes = await self.outbox.send(self.hh)
        state = next(s.state for s in self.outbox.list() if s.id == data["id"])
        unit, result = self.form.unit, Msg.of(f"verdict.{verdict}")
        if state == "refused":
            self.fail(Msg.of("server.refused", detail="; ".join(notes)))
            return False
        if state == "pending":
            self.state.done = Msg.of("inspect.saved_local", unit=unit, verdict=result, photos=len(self.form.photos),
                                     pending=len(self.outbox.list("pending")))
        else:
            self.state.done = Msg.of("inspect.queued" if state == "queued" else "inspect.sent", unit=unit,
                                     verdict=result)
        self.form = InspectionForm()
        self.available, self.outcomes = [], []
        return True

    async def send_pending(self) -> int:
        return (await self.outbox.send(self.hh))[0]
