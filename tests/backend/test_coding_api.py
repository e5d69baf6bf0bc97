"""Coding over HTTP: rules and numbers, offline blocks, signing keys made, rotated and revoked, units signed and
their codes verified; who may do what."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from backend.config import Settings
from shared_models.coding import SIGNATURE_AI, from_b64url
from shared_models.enums import UnitKind
from shared_models.gs1 import parse, parse_digital_link
from shared_models.trace import Unit
from tests.factories import Plant

API = "/api/coding"
LOT_RULE = {"code": "LOT-S1", "kind": "lot", "site": "S1", "width": 4, "reset": "yearly",
            "pattern": [{"part": "literal", "value": "R"}, {"part": "YY"}, {"part": "seq"}]}


@pytest.fixture
def meter(session: Session, plant: Plant) -> Unit:
    unit = Unit(code="MTR-01/M1", kind=UnitKind.SERIAL, item_id=plant.items["MTR-01"].id, serial="M1", lot_no="L7",
                site_id=plant.sites["S1"].id)
    session.add(unit)
    session.commit()
    return unit


def rotate(client: TestClient, login) -> str:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/keys", headers=login("qa"))
    assert r.status_code == 201, r.text
    return str(r.json()["kid"])


def verdict(client: TestClient, login, code: str, user: str = "dist") -> str:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/verify", json={"code": code}, headers=login(user))
    assert r.status_code == 200, r.text
    return str(r.json()["verdict"])


# -- rules and numbers ---------------------------------------------------------------------------------------------
def test_an_engineer_sets_up_a_rule_and_a_picker_takes_numbers(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/rules", json=LOT_RULE, headers=login("engineer"))
    assert r.status_code == 201, r.text
    assert (r.json()["template"], r.json()["version"]) == ("R{YY}{seq:4}", 1)
    r = client.post(f"{API}/numbers", json={"kind": "lot", "site": "S1", "count": 2, "on": "2026-03-14"},
                    headers=login("picker"))
    assert r.status_code == 201, r.text
    assert r.json() == {"rule": "LOT-S1", "numbers": ["R260001", "R260002"], "period_key": "2026", "first_seq": 1}


def test_a_picker_may_not_set_up_rules(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/rules", json=LOT_RULE, headers=login("picker"))
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")


def test_a_rule_that_cannot_number_is_answered_422_with_its_reason(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/rules", json={**LOT_RULE, "reset": "daily"}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_numbering_rule")
    assert "a year and JJJ" in r.json()["detail"]


def test_an_edit_needs_the_version_it_was_made_on(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post(f"{API}/rules", json=LOT_RULE, headers=login("qa"))
    r = client.patch(f"{API}/rules/LOT-S1", json={"width": 5, "expected_version": 1}, headers=login("qa"))
    assert (r.status_code, r.json()["width"], r.json()["version"]) == (200, 5, 2)
    r = client.patch(f"{API}/rules/LOT-S1", json={"width": 6, "expected_version": 1}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")


def test_a_handheld_reserves_a_block_and_reports_its_use(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post(f"{API}/rules", json=LOT_RULE, headers=login("qa"))
    picker = login("picker")
    r = client.post(f"{API}/blocks", json={"kind": "lot", "site": "S1", "device_id": "hh-1", "count": 3,
                                           "on": "2026-03-14"}, headers=picker)
    assert r.status_code == 201, r.text
    block = r.json()
    assert block["numbers"] == ["R260001", "R260002", "R260003"]
    assert [b["id"] for b in client.get(f"{API}/blocks", params={"device": "hh-1"}, headers=picker).json()] == \
        [block["id"]]
    r = client.post(f"{API}/blocks/{block['id']}/used", json={"used": 3}, headers=picker)
    assert r.status_code == 200 and r.json()["used_up_at"] is not None
    assert client.get(f"{API}/blocks", params={"device": "hh-1"}, headers=picker).json() == []


def test_another_users_block_is_not_found(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.post(f"{API}/rules", json=LOT_RULE, headers=login("qa"))
    block = client.post(f"{API}/blocks", json={"kind": "lot", "site": "S1", "device_id": "hh-1", "count": 1},
                        headers=login("picker")).json()
    r = client.post(f"{API}/blocks/{block['id']}/used", json={"used": 1}, headers=login("inspector"))
    assert r.status_code == 404


# -- keys and signed codes ---------------------------------------------------------------------------------------
def test_signing_without_a_key_says_to_make_one(client: TestClient, login, meter: Unit) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/sign", json={"unit": meter.code}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (409, "no_signing_key")


def test_a_signed_unit_is_a_valid_gs1_code_and_a_valid_digital_link(client: TestClient, login, meter: Unit,
                                                                     settings: Settings) -> None:  # type: ignore[no-untyped-def]
    kid = rotate(client, login)
    r = client.post(f"{API}/sign", json={"unit": meter.code, "domain": "https://id.lotline.example"},
                    headers=login("qa"))
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["kid"] == kid
    assert signed["canonical"] == "(01)06901234000016(10)L7(21)M1"
    message = parse(signed["element_string"])
    assert (message.gtin, message.lot, message.serial) == ("06901234000016", "L7", "M1")
    assert (message.get(SIGNATURE_AI) or "")[:4] == kid
    assert parse(signed["raw"]) == message
    link = parse_digital_link(signed["digital_link"])
    assert link.domain == "https://id.lotline.example" and link.message.get(SIGNATURE_AI) == message.get("8030")
    for form in ("element_string", "raw", "digital_link"):
        assert verdict(client, login, signed[form]) == "genuine"
    key_file = settings.data_dir / "code-keys" / f"{from_b64url(kid).hex()}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_container_signs_its_sscc(client: TestClient, login, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    session.add(Unit(code="106141412345678908", kind=UnitKind.CONTAINER, sscc="106141412345678908",
                     site_id=plant.sites["S1"].id))
    session.commit()
    rotate(client, login)
    r = client.post(f"{API}/sign", json={"unit": "106141412345678908"}, headers=login("qa"))
    assert r.status_code == 200 and r.json()["canonical"] == "(00)106141412345678908"


def test_a_lot_cannot_be_signed(client: TestClient, login, session: Session, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    session.add(Unit(code="PCB-01/P1", kind=UnitKind.LOT, item_id=plant.items["PCB-01"].id, lot_no="P1",
                     site_id=plant.sites["S1"].id))
    session.commit()
    rotate(client, login)
    r = client.post(f"{API}/sign", json={"unit": "PCB-01/P1"}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (422, "not_signable")


def test_rotation_and_revocation_as_the_handheld_sees_them(client: TestClient, login, meter: Unit) -> None:  # type: ignore[no-untyped-def]
    first = rotate(client, login)
    old_code = client.post(f"{API}/sign", json={"unit": meter.code}, headers=login("qa")).json()["element_string"]
    second = rotate(client, login)
    new_code = client.post(f"{API}/sign", json={"unit": meter.code}, headers=login("qa")).json()["element_string"]
    assert new_code != old_code and (parse(new_code).get(SIGNATURE_AI) or "")[:4] == second
    keys = {k["kid"]: k["status"] for k in client.get(f"{API}/keys", headers=login("dist")).json()}
    assert keys == {first: "retired", second: "active"}
    assert verdict(client, login, old_code) == verdict(client, login, new_code) == "genuine"
    r = client.post(f"{API}/keys/{first}/revoke", json={"reason": "laptop stolen"}, headers=login("qa"))
    assert (r.status_code, r.json()["status"], r.json()["revoked_reason"]) == (200, "revoked", "laptop stolen")
    assert verdict(client, login, old_code) == "revoked"
    assert verdict(client, login, new_code) == "genuine"
    assert verdict(client, login, new_code.replace("(21)M1", "(21)M2")) == "forged"


def test_a_picker_may_not_rotate_or_revoke(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    kid = rotate(client, login)
    assert client.post(f"{API}/keys", headers=login("picker")).status_code == 403
    r = client.post(f"{API}/keys/{kid}/revoke", json={"reason": "x"}, headers=login("picker"))
    assert r.status_code == 403


def test_an_unreadable_code_is_answered_422(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/verify", json={"code": "(01)06901234000017(21)X"}, headers=login("dist"))
    assert (r.status_code, r.json()["code"]) == (422, "unreadable_code")


def test_a_key_missing_from_this_servers_folder_is_a_503_that_says_so(  # type: ignore[no-untyped-def]
        client: TestClient, login, meter: Unit, settings: Settings) -> None:
    kid = rotate(client, login)
    for pem in Path(settings.data_dir / "code-keys").glob("*.pem"):
        pem.unlink()
    r = client.post(f"{API}/sign", json={"unit": meter.code}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (503, "signing_key_missing")
    assert kid in r.json()["detail"]
