"""Process parameters over MQTT: against the real Mosquitto broker, readings land on the operation running on the
equipment at their time with the route's limits; bad messages are counted and the subscriber goes on."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar
from uuid import uuid4

import paho.mqtt.client as mqtt
import pytest
from litestar.testing import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.app import create_app
from backend.auth.principal import SYSTEM
from backend.config import Settings
from backend.production.errors import MalformedMessage, UnknownEquipment
from backend.production.models import OperationReport, ProcessReading
from backend.production.mqtt import ProcessParamSubscriber, parse_payload
from backend.production.operation_service import OperationService
from backend.production.route_service import RouteService
from backend.production.work_order_service import ProductionService
from shared_models import commands as cmd
from shared_models.masterdata import Equipment
from shared_models.production_commands import ReportOperation, RouteCreate
from tests.factories import T0, Plant

BROKER_HOST, BROKER_PORT = "127.0.0.1", 1883
WAIT_S = 15.0
T = TypeVar("T")


def _broker_reachable() -> bool:
    try:
        with socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=1.0):
            return True
    except OSError:
        return False


needs_broker = pytest.mark.skipif(not _broker_reachable(),
                                  reason=f"no MQTT broker at {BROKER_HOST}:{BROKER_PORT} (start Mosquitto to run this)")


@dataclass
class Line:
    equipment: str
    topic: str
    moulding: str        # operation 10 of WO-M: T0 .. T0+30 min
    trimming: str        # operation 20 of WO-M: from T0+40 min, not ended


@pytest.fixture
def line(session: Session, plant: Plant) -> Line:
    code = f"EQ-{uuid4().hex[:8].upper()}"  # unique: other test runs may share the broker
    session.add(Equipment(site_id=plant.sites["S1"].id, code=code, name="Moulder", kind="moulding"))
    session.commit()
    RouteService(session).create(RouteCreate.model_validate({"item": "CASE-01", "operations": [
        {"seq": 10, "code": "MOULD", "params": [{"name": "temperature", "unit": "°C", "lower": 220, "upper": 240},
                                                {"name": "pressure", "unit": "bar", "upper": 80}]},
        {"seq": 20, "code": "TRIM", "params": [{"name": "temperature", "unit": "°C", "upper": 60}]}]}))
    ProductionService(session, SYSTEM).create_work_order(cmd.WorkOrderCreate(code="WO-M", site="S1", item="CASE-01",
                                                                             qty_planned=10))
    ops = OperationService(session, SYSTEM)
    moulding = ops.report_operation(ReportOperation(id=uuid4(), work_order="WO-M", seq=10, equipment=code,
                                                    started_at=T0, ended_at=T0 + timedelta(minutes=30), good_qty=9))
    trimming = ops.report_operation(ReportOperation(id=uuid4(), work_order="WO-M", seq=20, equipment=code,
                                                    started_at=T0 + timedelta(minutes=40)))
    return Line(equipment=code, topic=f"lotline/S1/{code}/params", moulding=moulding.id, trimming=trimming.id)


def reading(name: str, value: Any, minute: int, unit: str = "") -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "measured_at": (T0 + timedelta(minutes=minute)).isoformat()}


def stored(engine: Engine, equipment: str) -> list[ProcessReading]:
    with Session(engine) as s:
        return list(s.exec(select(ProcessReading).join(Equipment, Equipment.id == ProcessReading.equipment_id)
                           .where(Equipment.code == equipment).order_by(ProcessReading.measured_at)).all())


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], timeout_s: float = WAIT_S) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture
def subscriber(engine: Engine) -> Iterator[ProcessParamSubscriber]:
    sub = ProcessParamSubscriber(engine, f"mqtt://{BROKER_HOST}:{BROKER_PORT}")
    sub.start()
    try:
        assert sub.wait_subscribed(WAIT_S), "the subscriber did not subscribe within the wait"
        yield sub
    finally:
        sub.stop()


@pytest.fixture
def publish() -> Iterator[Callable[[str, bytes], None]]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"lotline-test-{uuid4().hex[:8]}")
    client.connect(BROKER_HOST, BROKER_PORT)
    client.loop_start()

    def send(topic: str, payload: bytes) -> None:
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=WAIT_S)
        assert info.is_published(), f"the broker did not take the message for {topic}"

    yield send
    client.disconnect()
    client.loop_stop()


# -- against the broker ----------------------------------------------------------------------------------------
@needs_broker
def test_readings_attach_to_the_operation_running_at_their_time_with_its_limits(
        engine: Engine, line: Line, subscriber: ProcessParamSubscriber, publish: Callable[[str, bytes], None]) -> None:
    publish(line.topic, json.dumps([
        reading("temperature", 231.5, 5, "°C"), reading("temperature", 250, 10), reading("pressure", 70, 12),
        reading("humidity", 41, 13, "%"), reading("temperature", 55, 45), reading("temperature", 231, -60)]).encode())
    publish(line.topic, json.dumps(reading("temperature", 238, 30)).encode())  # one object; at the end: inclusive
    rows = wait_for(lambda: stored(engine, line.equipment), lambda r: len(r) >= 7)
    got = [(r.name, r.value, r.operation_report_id, r.lower, r.upper, r.in_spec) for r in rows]
    assert got == [
        ("temperature", 231.0, None, None, None, None),              # nothing ran then
        ("temperature", 231.5, line.moulding, 220.0, 240.0, True),
        ("temperature", 250.0, line.moulding, 220.0, 240.0, False),
        ("pressure", 70.0, line.moulding, None, 80.0, True),
        ("humidity", 41.0, line.moulding, None, None, None),         # no limits on the route
        ("temperature", 238.0, line.moulding, 220.0, 240.0, True),
        ("temperature", 55.0, line.trimming, None, 60.0, True),      # started, not ended: still running
    ]
    assert rows[1].unit == "°C" and rows[1].source == line.topic
    assert subscriber.stats.attached >= 6


@needs_broker
def test_a_malformed_payload_is_counted_and_the_subscriber_goes_on(
        engine: Engine, line: Line, subscriber: ProcessParamSubscriber, publish: Callable[[str, bytes], None]) -> None:
    publish(line.topic, b"{not json")
    publish(line.topic, json.dumps(reading("temperature", "hot", 5)).encode())
    publish(line.topic, json.dumps({"name": "temperature", "value": 230}).encode())
    publish(line.topic, json.dumps(reading("temperature", 232, 6)).encode())
    rows = wait_for(lambda: stored(engine, line.equipment), lambda r: len(r) >= 1)
    assert [(r.value, r.in_spec) for r in rows] == [(232.0, True)]
    mine = [(kind, reason) for topic, kind, reason in subscriber.problems() if topic == line.topic]
    assert [kind for kind, _ in mine] == ["malformed"] * 3
    assert "not JSON" in mine[0][1] and "value" in mine[1][1] and "measured_at" in mine[2][1]
    assert subscriber.stats.malformed >= 3


@needs_broker
def test_unknown_equipment_is_counted_and_duplicates_are_stored_without_harm(
        engine: Engine, line: Line, subscriber: ProcessParamSubscriber, publish: Callable[[str, bytes], None]) -> None:
    ghost = f"lotline/S1/EQ-GHOST-{uuid4().hex[:6]}/params"
    elsewhere = f"lotline/S2/{line.equipment}/params"   # right code, wrong site
    good = json.dumps(reading("temperature", 233, 7)).encode()
    publish(ghost, good)
    publish(elsewhere, good)
    publish(line.topic, good)
    publish(line.topic, good)
    rows = wait_for(lambda: stored(engine, line.equipment), lambda r: len(r) >= 2)
    assert [(r.value, r.operation_report_id) for r in rows] == [(233.0, line.moulding)] * 2
    kinds = {topic: kind for topic, kind, _ in subscriber.problems()}
    assert kinds[ghost] == kinds[elsewhere] == "unknown_equipment"


@needs_broker
def test_the_app_runs_the_subscriber_when_lotline_mqtt_url_is_set(
        engine: Engine, settings: Settings, line: Line, publish: Callable[[str, bytes], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTLINE_MQTT_URL", f"mqtt://{BROKER_HOST}:{BROKER_PORT}")
    with TestClient(create_app(settings, engine)):
        # The app's subscriber may still be subscribing: publish again until one arrives (duplicates are fine).
        def probe() -> list[ProcessReading]:
            publish(line.topic, json.dumps(reading("temperature", 229, 8)).encode())
            return stored(engine, line.equipment)

        assert wait_for(probe, lambda r: len(r) >= 1), "the app's subscriber stored nothing"


# -- the same path without a broker ----------------------------------------------------------------------------
def test_ingest_stores_a_message_in_one_commit(engine: Engine, line: Line) -> None:
    sub = ProcessParamSubscriber(engine)
    rows = sub.ingest(line.topic, json.dumps([reading("temperature", 221, 1), reading("temperature", 219, 2)]).encode())
    assert [(r.operation_report_id, r.in_spec) for r in rows] == [(line.moulding, True), (line.moulding, False)]
    assert len(stored(engine, line.equipment)) == 2
    with pytest.raises(MalformedMessage):
        sub.ingest(line.topic, json.dumps([reading("temperature", 221, 1), {"name": "x"}]).encode())
    assert len(stored(engine, line.equipment)) == 2, "a message is stored whole or not at all"
    with pytest.raises(UnknownEquipment, match="no equipment EQ-NONE at site S1"):
        sub.ingest("lotline/S1/EQ-NONE/params", json.dumps(reading("t", 1, 1)).encode())
    with pytest.raises(MalformedMessage, match="topic"):
        sub.ingest("lotline/S1/params", json.dumps(reading("t", 1, 1)).encode())


@pytest.mark.parametrize("payload,problem", [
    (b"\xff\xfe", "not JSON"),
    (b"[]", "non-empty list"),
    (b"42", "reading object"),
    (b'{"name": "t", "value": true, "measured_at": "2026-11-02T08:00:00Z"}', "valid number"),
    (b'{"name": "t", "value": NaN, "measured_at": "2026-11-02T08:00:00Z"}', "finite"),
    (b'{"name": "t", "value": 1, "measured_at": "2026-11-02T08:00:00"}', "time zone"),
    (b'{"name": "", "value": 1, "measured_at": "2026-11-02T08:00:00Z"}', "name"),
])
def test_malformed_payloads_say_what_is_wrong(payload: bytes, problem: str) -> None:
    with pytest.raises(MalformedMessage, match=problem):
        parse_payload(payload)


def test_an_operation_report_row_is_what_readings_attach_to(session: Session, line: Line) -> None:
    report = session.get(OperationReport, line.trimming)
    assert report is not None and report.ended_at is None
