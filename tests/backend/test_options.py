"""OPTIONS (a browser's CORS preflight, or a client asking what a route allows) never answers 5xx, on any route."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

SAMPLE = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001", "str": "X-1", "path": "X-1"}


def _url(path: str) -> str:
    return re.sub(r"\{[^}:]+:(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)


@pytest.mark.parametrize("authorized", [False, True], ids=["preflight", "logged-in"])
def test_options_never_answers_a_server_error_on_any_route(client: TestClient, login, authorized: bool) -> None:  # type: ignore[no-untyped-def]
    preflight = {"Origin": "https://office.example", "Access-Control-Request-Method": "POST"}
    headers = login("picker") if authorized else preflight
    failed = {}
    for route in client.app.routes:
        r = client.options(_url(route.path), headers=headers)
        if r.status_code >= 500:
            failed[route.path] = (r.status_code, r.text[:120])
    assert failed == {}
    assert len(client.app.routes) > 50  # every route of the app was asked, not a handful


def test_options_tells_what_a_guarded_route_allows(client: TestClient) -> None:
    r = client.options("/api/events/receive")
    assert r.status_code == 204 and "POST" in r.headers["allow"]
