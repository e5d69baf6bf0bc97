"""Out-of-range input is a 4xx naming the field, never a 500: integers, quantities, dates, nesting, echo length."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from shared_models.bounds import INT64_MAX, MAX_JSON_DEPTH, MAX_QTY, round_to_uom
from tests.backend.story import stock
from tests.backend.test_events_api import receive_body

HUGE = str(2**70)
LISTS = ["sites", "items", "suppliers", "customers", "locations", "equipment", "boms"]


def _errors(r: Any) -> str:
    return " ".join(f"{e.get('key')}: {e.get('message')}" for e in r.json().get("errors", [])) + r.json()["detail"]


# -- integers ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, url", [
    *[("GET", f"/api/masterdata/{name}?offset={HUGE}") for name in LISTS],
    ("GET", f"/api/quality/nonconformances?offset={HUGE}"),
    ("GET", f"/api/masterdata/boms/BRD-01?version={HUGE}"),
    ("POST", f"/api/masterdata/boms/BRD-01/versions/{HUGE}/release"),
    ("DELETE", f"/api/masterdata/boms/BRD-01/versions/{HUGE}/lines/PCB-01"),
])
def test_an_integer_beyond_64_bits_in_a_url_is_a_400(client: TestClient, login, method: str, url: str) -> None:  # type: ignore[no-untyped-def]
    r = client.request(method, url, headers=login("qa"))
    assert r.status_code == 400, r.text


@pytest.mark.parametrize("field", ["expected_version", "shelf_life_days"])
def test_an_integer_beyond_64_bits_in_a_body_is_a_400(client: TestClient, login, field: str) -> None:  # type: ignore[no-untyped-def]
    r = client.patch("/api/masterdata/items/PCB-01", json={field: 2**70}, headers=login("qa"))
    assert r.status_code == 400 and field in _errors(r)


def test_every_integer_parameter_of_every_route_is_bounded_to_64_bits(client: TestClient) -> None:
    unbounded = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            for name, param in handler.parsed_fn_signature.parameters.items():
                if int not in (param.annotation, *typing.get_args(param.annotation)):
                    continue
                bound = getattr(param.kwarg_definition, "le", None)
                if bound is None or bound > INT64_MAX:
                    unbounded.append(f"{route.path} {name}")
    assert unbounded == []


def test_a_stream_request_after_beyond_64_bits_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sync/stream", json={"buckets": [{"name": "global[]", "after": 2**70}]},
                    headers=login("picker"))
    assert r.status_code == 422 and "after" in r.json()["detail"]


# -- quantities ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("qty", [1e308, MAX_QTY * 2])
def test_a_quantity_beyond_the_plant_maximum_is_refused(client: TestClient, login, qty: float) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(qty=qty), headers=login("picker"))
    assert r.status_code == 400 and "qty" in _errors(r)


def test_a_quantity_that_rounds_to_nothing_in_its_unit_is_refused(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                   session: Session) -> None:
    r = client.post("/api/events/receive", json=receive_body(qty=1e-12), headers=login("picker"))
    assert r.status_code == 422 and r.json()["code"] == "qty_below_precision"
    assert "pcs" in r.json()["detail"]
    assert stock(session, "PCB-01/P1") == {}


def test_a_quantity_is_rounded_to_its_unit_of_measure(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    pieces = client.post("/api/events/receive", json=receive_body(qty=10.4), headers=login("picker"))
    resin = client.post("/api/events/receive", json=receive_body(item="RESIN-01", supplier="SUP-A", lot_no="R1",
                                                                 qty=25.00049), headers=login("picker"))
    assert (pieces.status_code, resin.status_code) == (201, 201)
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 10.0}
    assert stock(session, "RESIN-01/R1") == {"S1-A-01": 25.0}


@pytest.mark.parametrize("uom, qty, kept", [("pcs", 2.5000001, 3.0), ("EA", 7.49, 7.0), ("kg", 1.23456, 1.235),
                                            ("g", 0.126, 0.13), ("furlong", 1.1234567, 1.123457)])
def test_the_unit_of_measure_sets_the_decimals_kept(uom: str, qty: float, kept: float) -> None:
    assert round_to_uom(qty, uom) == kept


# -- dates ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00+00:00",
                                         (datetime.now(UTC) + timedelta(days=3)).isoformat()],
                         ids=["year_1", "three_days_ahead"])  # ids alike in every xdist worker
def test_an_event_time_outside_the_plant_window_is_refused(client: TestClient, login, occurred_at: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events/receive", json=receive_body(occurred_at=occurred_at), headers=login("picker"))
    assert r.status_code == 400 and "occurred_at" in _errors(r)


@pytest.mark.parametrize("field", ["produced_on", "expires_on"])
def test_a_lot_date_outside_1970_to_2200_is_refused_not_a_500(client: TestClient, login, field: str) -> None:  # type: ignore[no-untyped-def]
    body = receive_body(item="RESIN-01", supplier="SUP-A", lot_no="R9", **{field: "9999-12-31"})
    r = client.post("/api/events/receive", json=body, headers=login("picker"))
    assert r.status_code == 400 and field in _errors(r)


# -- shape and echo ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/api/events/receive", "/sync/upload", "/sync/stream"])
def test_json_nested_deeper_than_any_command_is_a_400(client: TestClient, login, url: str) -> None:  # type: ignore[no-untyped-def]
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post(url, content=deep, headers={**login("picker"), "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    assert str(MAX_JSON_DEPTH) in r.json()["detail"]


def test_a_validation_error_names_the_field_and_does_not_echo_a_long_input(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/masterdata/items?limit=" + "9" * 10_000, headers=login("qa"))
    assert r.status_code == 400 and "limit" in _errors(r)
    assert len(r.text) < 1000


def test_brackets_inside_strings_neither_hide_nor_fake_depth(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    hidden = '["' + "]" * 2000 + '",' + "[" * 2000 + "]" * 2000 + ',"' + "[" * 2000 + '"]'
    r = client.post("/api/events/receive", content=hidden,
                    headers={**login("picker"), "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    noted = client.post("/api/events/receive", json=receive_body(note="[" * 60 + "{" * 60), headers=login("picker"))
    assert noted.status_code == 201, noted.text


@pytest.mark.parametrize("url", ["/api/events/receive", "/sync/upload", "/sync/stream"])
def test_a_body_that_is_not_json_is_a_4xx(client: TestClient, login, url: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(url, content="{bad", headers={**login("picker"), "content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
