"""Process parameters from equipment over MQTT, stored as ProcessReading on the operation running at that time.

Topic `lotline/<site code>/<equipment code>/params`; payload one reading or a list of them:
`{"name": "temperature", "value": 231.5, "unit": "°C", "measured_at": "2026-11-02T08:05:00+00:00"}`.
A message is stored whole or not at all. Malformed payloads and unknown equipment are logged with the topic and
counted, and the subscriber goes on with the next message. Enabled in the app by LOTLINE_MQTT_URL
(e.g. mqtt://127.0.0.1:1883, mqtts://user:pass@host); LOTLINE_MQTT_TOPIC overrides the subscription, e.g.
`$share/lotline/lotline/+/+/params` so several backends share the stream instead of each storing it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import uuid4

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from backend.production.errors import MalformedMessage, UnknownEquipment
from backend.production.models import OperationReport, ProcessReading, Route, WorkOrder
from backend.production.route_service import in_spec, limits
from backend.production.schemas import MqttReading
from shared_models.masterdata import Equipment, Site

log = logging.getLogger("lotline.mqtt")

ENV_URL = "LOTLINE_MQTT_URL"
ENV_TOPIC = "LOTLINE_MQTT_TOPIC"
TOPIC = "lotline/+/+/params"
MAX_READINGS = 1000


_READINGS = TypeAdapter(list[MqttReading])


def parse_topic(topic: str) -> tuple[str, str]:
    """(site code, equipment code); raises MalformedMessage."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "lotline" or parts[3] != "params" or not parts[1] or not parts[2]:
        raise MalformedMessage("topic is not lotline/<site>/<equipment>/params")
    return parts[1], parts[2]


def parse_payload(payload: bytes) -> list[MqttReading]:
    """The readings in a payload (one object or a list); raises MalformedMessage saying what is wrong."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise MalformedMessage("payload must be a reading object or a non-empty list of them")
    if len(data) > MAX_READINGS:
        raise MalformedMessage(f"{len(data)} readings in one message; at most {MAX_READINGS}")
    try:
        return _READINGS.validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise MalformedMessage(problems) from exc


@dataclass
class IngestStats:
    received: int = 0
    stored: int = 0          # readings
    attached: int = 0        # readings that found their operation
    malformed: int = 0       # messages
    unknown_equipment: int = 0
    failed: int = 0          # messages lost to a database or programming error (logged with traceback)
    problems: deque[tuple[str, str, str]] = field(default_factory=lambda: deque(maxlen=200))  # topic, kind, reason


def store_readings(session: Session, site_code: str, equipment_code: str, readings: list[MqttReading],
                   source: str) -> list[ProcessReading]:
    """Stores each reading on the operation running on the equipment at its time, with the route's limits for
    that parameter; does not commit. Raises UnknownEquipment."""
    equipment = session.exec(select(Equipment).join(Site, Site.id == Equipment.site_id)
                             .where(Equipment.code == equipment_code, Site.code == site_code)).first()
    if equipment is None:
        raise UnknownEquipment(f"no equipment {equipment_code} at site {site_code}")
    routes: dict[str, Route | None] = {}
    stored = []
    for r in readings:
        report = _running(session, equipment.id, r.measured_at)
        limit: dict[str, Any] = {}
        if report is not None:
            if report.work_order_id not in routes:
                order = session.get(WorkOrder, report.work_order_id)
                routes[report.work_order_id] = session.get(Route, order.route_id) if order and order.route_id \
                    else None
            route = routes[report.work_order_id]
            limit = limits(route, report.seq).get(r.name, {}) if route is not None else {}
        lower, upper = limit.get("lower"), limit.get("upper")
        reading = ProcessReading(equipment_id=equipment.id, name=r.name, value=float(r.value),
                                 unit=r.unit or limit.get("unit", ""), measured_at=r.measured_at,
                                 operation_report_id=report.id if report else None, lower=lower, upper=upper,
                                 in_spec=in_spec(float(r.value), lower, upper), source=source[:200])
        session.add(reading)
        stored.append(reading)
    return stored


def _running(session: Session, equipment_id: str, at: datetime) -> OperationReport | None:
    """The operation on this equipment at `at`: started by then and not ended before; the latest started wins."""
    return session.exec(select(OperationReport).where(
        OperationReport.equipment_id == equipment_id, OperationReport.started_at <= at,
        or_(OperationReport.ended_at.is_(None), OperationReport.ended_at >= at))  # type: ignore[union-attr]
        .order_by(OperationReport.started_at.desc())).first()  # type: ignore[attr-defined]


class ProcessParamSubscriber:
    """Start/stop from the app or a test; `start` returns at once and paho reconnects on its own while the broker
    is away. `stats` counts what happened; `ingest` is the same path without a broker."""

    def __init__(self, engine: Engine, url: str = "mqtt://127.0.0.1:1883", *, topic: str = TOPIC,
                 client_id: str | None = None, qos: int = 1) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"MQTT URL must be mqtt://host[:port] or mqtts://host[:port]; got {url!r}")
        self.engine = engine
        self.topic = topic
        self.qos = qos
        self.host = parts.hostname
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.stats = IngestStats()
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or f"lotline-{uuid4().hex[:12]}")
        if parts.username:
            self._client.username_pw_set(unquote(parts.username), unquote(parts.password or "") or None)
        if parts.scheme == "mqtts":
            self._client.tls_set()
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.enable_logger(log)

    # -- lifecycle -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()
        log.info("MQTT subscriber connecting to %s:%d for %s", self.host, self.port, self.topic)

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._subscribed.clear()

    def wait_subscribed(self, timeout_s: float) -> bool:
        return self._subscribed.wait(timeout_s)

    def problems(self) -> list[tuple[str, str, str]]:
        """The latest dropped messages as (topic, kind, reason), oldest first."""
        with self._lock:
            return list(self.stats.problems)

    # -- messages ------------------------------------------------------------------------------------------------
    def ingest(self, topic: str, payload: bytes) -> list[ProcessReading]:
        """Stores one message's readings in one commit. Raises MalformedMessage or UnknownEquipment."""
        site_code, equipment_code = parse_topic(topic)
        readings = parse_payload(payload)
        with Session(self.engine, expire_on_commit=False) as session:
            stored = store_readings(session, site_code, equipment_code, readings, topic)
            session.commit()
        with self._lock:
            self.stats.stored += len(stored)
            self.stats.attached += sum(1 for r in stored if r.operation_report_id)
        return stored

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        with self._lock:
            self.stats.received += 1
        try:
            self.ingest(topic, message.payload)
        except MalformedMessage as exc:
            self._count("malformed", topic, str(exc))
            log.warning("malformed MQTT message on %s: %s", topic, exc)
        except UnknownEquipment as exc:
            self._count("unknown_equipment", topic, str(exc))
            log.warning("MQTT readings on %s dropped: %s", topic, exc)
        except SQLAlchemyError as exc:
            self._count("failed", topic, str(exc))
            log.exception("MQTT readings on %s not stored: database error", topic)
        except Exception as exc:  # the network thread must outlive a bug met by one message; logged in full
            self._count("failed", topic, repr(exc))
            log.exception("MQTT readings on %s not stored: unexpected error", topic)

    def _count(self, kind: str, topic: str, reason: str) -> None:
        with self._lock:
            setattr(self.stats, kind, getattr(self.stats, kind) + 1)
            self.stats.problems.append((topic, kind, reason))

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any,
                    _properties: Any) -> None:
        if reason_code.is_failure:
            log.warning("MQTT broker %s:%d refused the connection: %s", self.host, self.port, reason_code)
            return
        client.subscribe(self.topic, qos=self.qos)  # again after every reconnect: the session may be new

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reason_codes: list[Any],
                      _properties: Any) -> None:
        if any(rc.is_failure for rc in reason_codes):
            log.error("MQTT broker refused the subscription to %s: %s", self.topic, reason_codes)
            return
        self._subscribed.set()
        log.info("MQTT subscribed to %s", self.topic)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason_code: Any,
                       _properties: Any) -> None:
        self._subscribed.clear()
        if reason_code.is_failure:
            log.warning("MQTT connection to %s:%d lost (%s); reconnecting", self.host, self.port, reason_code)


def subscriber_from_env(engine: Engine) -> ProcessParamSubscriber | None:
    """The subscriber LOTLINE_MQTT_URL asks for, or None when it is not set."""
    url = os.environ.get(ENV_URL, "").strip()
    if not url:
        return None
    return ProcessParamSubscriber(engine, url, topic=os.environ.get(ENV_TOPIC, "").strip() or TOPIC)
