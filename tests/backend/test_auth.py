"""Log-in, tokens, key rotation, role guards and site/distributor scope, over HTTP."""

from __future__ import annotations

import jwt
import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from backend.auth.keys import KeyRing
from backend.auth.principal import Principal
from backend.auth.tokens import TokenIssuer
from backend.errors import Unauthorized
from shared_models.enums import Role
from tests.backend.story import Story, tell_story
from tests.factories import Plant


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def test_login_returns_a_token_with_kid_aud_and_a_day_or_less_of_life(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "qa", "password": "qa-pass-1"})
    assert r.status_code == 200
    token = r.json()["access_token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    jwks = client.get("/.well-known/jwks.json").json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert claims["aud"] == "lotline" and claims["role"] == "qa_manager"
    assert 0 < claims["exp"] - claims["iat"] <= 86400


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    bad_pw = client.post("/api/auth/login", json={"username": "qa", "password": "nope-nope"})
    no_user = client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert bad_pw.status_code == no_user.status_code == 401
    assert bad_pw.json() == no_user.json() == {"code": "unauthorized", "detail": "Unknown username or wrong password."}


def test_every_api_route_needs_a_token(client: TestClient) -> None:
    r = client.get("/api/trace", params={"code": "MTR-01/M1"})
    assert r.status_code == 401
    assert "bearer token" in r.json()["detail"]
    forged = client.get("/api/trace", params={"code": "x"}, headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401 and forged.json()["code"] == "unauthorized"


def test_tokens_signed_before_a_key_rotation_keep_working(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    old = login("qa")
    client.app.state.tokens.keys.rotate()
    assert client.get("/api/auth/me", headers=old).json()["username"] == "qa"
    fresh = client.post("/api/auth/login", json={"username": "qa", "password": "qa-pass-1"}).json()["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == client.app.state.tokens.keys.current.kid
    assert len(client.get("/.well-known/jwks.json").json()["keys"]) == 2


def test_a_token_from_a_retired_key_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ring = KeyRing(tmp_path / "keys")
    issuer = TokenIssuer(ring, audience="lotline", ttl_s=60)
    token = issuer.issue(Principal(user_id="u1", username="a", role=Role.PICKER))
    old_kid = ring.current.kid
    ring.rotate()
    ring.retire(old_kid)
    with pytest.raises(Unauthorized, match="unknown key id"):
        issuer.verify(token)


def test_an_expired_token_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    issuer = TokenIssuer(KeyRing(tmp_path / "keys"), audience="lotline", ttl_s=60)
    token = issuer.issue(Principal(user_id="u1", username="a", role=Role.PICKER), now=1_000_000)
    with pytest.raises(Unauthorized, match="expired"):
        issuer.verify(token)


def test_token_lifetime_over_a_day_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="outside"):
        TokenIssuer(KeyRing(tmp_path / "keys"), audience="lotline", ttl_s=86401)


def test_keys_survive_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = KeyRing(tmp_path / "keys").current.kid
    assert KeyRing(tmp_path / "keys").current.kid == first


def test_a_picker_may_not_run_a_recall_scope(client: TestClient, login, story: Story) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/recall/scope", json={"codes": ["RESIN-01/R1"]}, headers=login("picker"))
    assert r.status_code == 403
    assert "qa_manager" in r.json()["detail"]


def test_a_user_of_another_site_cannot_read_this_sites_units(client: TestClient, login, story: Story) -> None:  # type: ignore[no-untyped-def]
    for user in ("qa2", "picker2"):
        r = client.get("/api/resolve", params={"code": "MTR-01/M4"}, headers=login(user))
        assert r.status_code == 404, user
        # The same answer as for a code that doesn't exist at all: nothing leaks about other sites.
        assert r.json() == {"code": "not_found", "detail": "No unit, location or item 'MTR-01/M4'.",
                            "context": {"what": "unit, location or item", "key": "MTR-01/M4"}}
        assert client.get("/api/trace", params={"code": "MTR-01/M4"}, headers=login(user)).status_code == 404
    assert client.get("/api/resolve", params={"code": "MTR-01/M4"}, headers=login("picker")).status_code == 200


def test_a_user_of_another_site_cannot_move_this_sites_stock(client: TestClient, login, story: Story) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import at, eid

    r = client.post("/api/events/move", headers=login("picker2"), json={
        "id": eid(), "occurred_at": at(90), "unit": "MTR-01/M4", "from_location": "S1-A-02",
        "to_location": "S1-A-01"})
    assert r.status_code == 404


def test_a_distributor_sees_only_what_was_shipped_to_them(client: TestClient, login, story: Story) -> None:  # type: ignore[no-untyped-def]
    mine = client.get("/api/resolve", params={"code": "MTR-01/M1"}, headers=login("dist"))
    assert mine.status_code == 200 and mine.json()["status"] == "shipped"
    assert client.get("/api/resolve", params={"code": "MTR-01/M3"}, headers=login("dist")).status_code == 404
    assert client.get("/api/resolve", params={"code": "MTR-01/M4"}, headers=login("dist")).status_code == 404
    assert client.get("/api/trace", params={"code": "MTR-01/M1"}, headers=login("dist")).status_code == 403


def test_cross_site_nodes_in_a_trace_are_redacted(client: TestClient, login, story: Story,
                                                  session: Session, plant: Plant) -> None:
    from sqlmodel import select

    from shared_models.trace import Unit

    resin = session.exec(select(Unit).where(Unit.code == "RESIN-01/R1")).one()
    resin.site_id = plant.sites["S2"].id  # bought at the other site
    session.add(resin)
    session.commit()
    nodes = client.get("/api/trace", params={"code": "MTR-01/M1"}, headers=login("inspector")).json()["nodes"]
    other = [n for n in nodes if n["redacted"]]
    assert [(n["code"], n["part_no"], n["lot_no"]) for n in other] == [("(other site)", "RESIN-01", None)]
