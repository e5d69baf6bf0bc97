"""The OpenAPI document a partner reads: every operation says who may call it and every error it answers, in the
real error shape; the operations integrators use most say what they do; what the document claims holds over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from backend.app import build_app
from backend.openapi import ROLES_LINE, roles_of

METHODS = ("get", "post", "put", "patch", "delete")
# Areas other helpers are writing now, and backend/app.py's /health: their handlers get docstrings there (their
# roles and errors are checked here all the same).
OTHERS = ("/console",)  # pages for people, not an API: left out of the schema's description check
INTEGRATOR_OPERATIONS = [
    ("post", "/api/auth/login"), ("get", "/api/resolve"), ("get", "/api/trace"), ("post", "/api/recall/scope"),
    ("post", "/api/recall/cases"), ("post", "/api/events/receive"), ("post", "/api/events/move"),
    ("post", "/api/events/pick"), ("post", "/api/events/ship"), ("post", "/api/events/pack"),
    ("post", "/api/events/unpack"), ("post", "/api/events/hold"), ("post", "/api/events/release"),
    ("post", "/api/events/scrap"), ("post", "/api/quality/inspections"), ("post", "/api/quality/plans"),
    ("post", "/api/coding/numbers"), ("post", "/api/coding/blocks"), ("post", "/api/coding/sign"),
    ("post", "/api/coding/verify"), ("post", "/api/labels/print"), ("post", "/api/webhooks/subscriptions"),
    ("post", "/epcis/capture"), ("get", "/epcis/events"),
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return build_app().openapi_schema.to_schema()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in schema["paths"].items() for m, op in item.items() if m in METHODS]


def test_every_operation_names_its_roles_and_documents_its_errors_as_problems(schema: dict[str, Any]) -> None:
    lacking: list[str] = []
    for method, path, op in operations(schema):
        errors = {s: r for s, r in op["responses"].items() if s >= "400"}
        if roles_of(op) is None:
            lacking.append(f"{method} {path}: no roles")
        if "500" not in errors:
            lacking.append(f"{method} {path}: no error responses")
        for status, response in errors.items():
            ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            if not ref.endswith("/Problem"):
                lacking.append(f"{method} {path}: {status} is not a Problem")
    assert len(operations(schema)) > 150 and lacking == []


def test_every_operation_has_a_written_description(schema: dict[str, Any]) -> None:
    """The text before the roles line comes from the handler's docstring."""
    bare = [f"{m} {p}" for m, p, op in operations(schema) if not p.startswith(OTHERS)
            and not op.get("description", "").split(ROLES_LINE)[0].strip()]
    assert bare == []
    for method, path in INTEGRATOR_OPERATIONS:
        assert schema["paths"][path][method]["description"].split(ROLES_LINE)[0].strip(), f"{method} {path}"


def test_roles_follow_the_guards(schema: dict[str, Any]) -> None:
    assert roles_of(schema["paths"]["/api/events/hold"]["post"]) == "admin, inspector, qa_manager"
    assert roles_of(schema["paths"]["/api/events/scrap"]["post"]) == "admin, qa_manager"
    assert roles_of(schema["paths"]["/api/auth/login"]["post"]) == "anyone, no token needed"
    assert "429" in schema["paths"]["/api/auth/login"]["post"]["responses"]


def test_the_problem_schema_and_the_unit_code_format_are_documented(schema: dict[str, Any]) -> None:
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["required"] == ["code", "detail"]
    assert "PART/LOT" in schema["info"]["description"] and "Digital Link" in schema["info"]["description"]
    hold = schema["paths"]["/api/events/hold"]["post"]
    assert hold["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/UnitStatusChange")
    assert "illegal_transition" in hold["responses"]["409"]["description"]


def test_the_documented_roles_and_401s_hold_over_http(client: TestClient, login, schema: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Each documented 401 is what a call without a token gets; each role list refuses the roles it leaves out."""
    for method, path, op in operations(schema):
        if "{" in path or path in ("/sync/stream",) or path.startswith("/console"):
            continue
        answer = client.request(method.upper(), path, json={} if method != "get" else None)
        if roles_of(op) == "anyone, no token needed":
            assert answer.status_code != 401 or "401" in op["responses"], f"{method} {path}"
        elif "401" in op["responses"]:
            assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
            assert answer.json()["code"] == "unauthorized"
        else:
            assert answer.status_code != 401, f"{method} {path} answers 401 but does not document it"
    picker = login("picker")
    for method, path, op in operations(schema):
        roles = roles_of(op) or ""
        if path.startswith(("/api/events/", "/api/coding/keys")) and "{" not in path and "picker" not in roles \
                and "any logged-in" not in roles and "anyone" not in roles:
            answer = client.request(method.upper(), path, json={}, headers=picker)
            assert answer.status_code == 403 and answer.json()["code"] == "forbidden", f"{method} {path}"


def test_the_app_serves_the_document(app_shell: Litestar, client: TestClient) -> None:
    served = client.get("/schema/openapi.json")
    assert served.status_code == 200 and "Problem" in served.json()["components"]["schemas"]


def test_a_second_app_in_the_process_documents_the_same(schema: dict[str, Any]) -> None:
    """The handlers are completed as the document is built; building another app must not add a second roles line."""
    again = build_app().openapi_schema.to_schema()
    assert again == schema
    assert all(op.get("description", "").count(ROLES_LINE) == 1 for _, _, op in operations(again))
