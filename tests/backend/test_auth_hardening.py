"""Log-in throttling, and tokens that answer to the user's row as it is now (role, site, active, generation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Literal

import jwt
import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, update

from backend.app import create_app
from backend.auth import passwords
from backend.auth.errors import LoginThrottled
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.service import authenticate, create_user
from backend.auth.throttle import ThrottleLimits
from backend.config import Settings
from backend.errors import Unauthorized
from shared_models.enums import Role
from shared_models.types import utcnow
from tests.factories import Plant


def _login(client: TestClient, username: str, password: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/api/auth/login", json={"username": username, "password": password or f"{username}-pass-1"})


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    r = _login(client, username)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _fail(client: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        assert _login(client, username, "not-the-password").status_code == 401


@pytest.fixture
def other_process(engine: Engine, settings: Settings, plant: Plant) -> Iterator[TestClient]:
    """A second backend process on the same database (its own app, as another uvicorn worker would have)."""
    with TestClient(create_app(settings, engine)) as c:
        yield c


# -- log-in throttling ---------------------------------------------------------------------------------------------
def test_after_five_failures_even_the_right_password_gets_429_with_retry_after(client: TestClient) -> None:
    _fail(client, "qa", 5)
    r = _login(client, "qa")
    assert r.status_code == 429
    assert r.json()["code"] == "login_throttled"
    assert "Too many failed log-ins for this username" in r.json()["detail"]
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60


def test_a_successful_login_resets_the_username_counter(client: TestClient) -> None:
    _fail(client, "qa", 4)
    assert _login(client, "qa").status_code == 200
    _fail(client, "qa", 4)
    assert _login(client, "qa").status_code == 200  # 8 failures in the window, but 4 since the last success
    _fail(client, "qa", 5)
    assert _login(client, "qa").status_code == 429


def test_throttling_one_username_leaves_the_others_alone(client: TestClient) -> None:
    _fail(client, "qa", 5)
    assert _login(client, "qa").status_code == 429
    assert _login(client, "picker").status_code == 200


def test_failures_from_one_address_throttle_every_username_from_it(client: TestClient) -> None:
    for n in range(20):  # 20 names, once each: no username reaches its own limit
        assert _login(client, f"ghost{n}", "not-the-password").status_code == 401
    r = _login(client, "qa")
    assert r.status_code == 429
    assert "from this address" in r.json()["detail"] and r.json()["context"]["scope"] == "ip"


def test_the_throttle_is_shared_by_every_backend_process(client: TestClient, other_process: TestClient) -> None:
    _fail(client, "qa", 3)
    _fail(other_process, "qa", 2)
    assert _login(client, "qa").status_code == 429
    assert _login(other_process, "qa").status_code == 429


def test_the_limits_are_settings(engine: Engine, tmp_path, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "data", login_failures_per_user=2)
    with TestClient(create_app(settings, engine)) as c:
        _fail(c, "qa", 2)
        assert _login(c, "qa").status_code == 429


def test_a_throttled_username_may_log_in_again_once_the_window_has_passed(session: Session, plant: Plant) -> None:
    limits, start = ThrottleLimits(per_user=5, per_ip=20, window_s=900), utcnow()

    def attempt(password: str, after_s: int) -> User:
        return authenticate(session, "qa", password, limits=limits, address="10.0.0.7",
                            now=start + timedelta(seconds=after_s))

    for n in range(5):
        with pytest.raises(Unauthorized, match="wrong password"):
            attempt("nope-nope", n)
    with pytest.raises(LoginThrottled) as throttled:
        attempt("qa-pass-1", 899)
    assert throttled.value.retry_after_s == 1
    assert attempt("qa-pass-1", 900).username == "qa"


class _CountingHasher(PasswordHasher):
    """A cheap hasher that counts the argon2 verifications it does."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("username", ["qa", "nobody-by-this-name", "inactive"])
def test_every_failed_login_costs_one_password_verification(session: Session, plant: Plant, username: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown or inactive username is checked against a decoy hash: it answers as slowly as a wrong password, so
    the time a login takes does not tell which usernames exist."""
    create_user(session, username="inactive", password="inactive-pass", role=Role.INSPECTOR)
    session.exec(update(User).where(User.username == "inactive").values(active=False))  # type: ignore[call-overload]
    session.commit()
    hasher = _CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    with pytest.raises(Unauthorized, match="Unknown username or wrong password"):
        authenticate(session, username, "wrong-password", limits=ThrottleLimits(per_user=5, per_ip=20, window_s=900))
    assert hasher.verified == 1


# -- the caller is who their row says now ----------------------------------------------------------------------------
def test_a_signed_token_claiming_another_role_is_not_believed(client: TestClient, plant: Plant) -> None:
    picker = plant.users["picker"]
    forged = client.app.state.tokens.issue(Principal(user_id=picker.id, username="picker", role=Role.ADMIN))
    headers = {"Authorization": f"Bearer {forged}"}
    assert client.post("/api/recall/scope", json={"codes": ["RESIN-01/R1"]}, headers=headers).status_code == 403
    assert client.get("/api/auth/me", headers=headers).json()["role"] == "picker"


def test_a_role_change_takes_effect_on_the_next_request(client: TestClient, session: Session, plant: Plant) -> None:
    headers = _bearer(client, "picker")
    assert client.post("/api/recall/scope", json={"codes": ["RESIN-01/R1"]}, headers=headers).status_code == 403
    _change(session, plant.users["picker"], role=Role.QA_MANAGER)
    assert client.post("/api/recall/scope", json={"codes": ["RESIN-01/R1"]}, headers=headers).status_code != 403


def test_a_site_change_takes_effect_on_the_next_request(client: TestClient, session: Session, plant: Plant) -> None:
    headers = _bearer(client, "picker2")  # a picker of site S2
    assert client.get("/api/resolve", params={"code": "S1-A-01"}, headers=headers).status_code == 404
    _change(session, plant.users["picker2"], site_id=plant.sites["S1"].id)
    assert client.get("/api/resolve", params={"code": "S1-A-01"}, headers=headers).status_code == 200


def _change(session: Session, user: User, **values: object) -> None:
    row = session.get(User, user.id)
    assert row is not None
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()


# -- ending log-ins --------------------------------------------------------------------------------------------------
def test_deactivating_a_user_ends_their_tokens(client: TestClient) -> None:
    picker = _bearer(client, "picker")
    r = client.post("/api/auth/users/picker/deactivate", headers=_bearer(client, "admin"))
    assert r.status_code == 200 and r.json()["active"] is False
    me = client.get("/api/auth/me", headers=picker)
    assert me.status_code == 401 and me.json()["code"] == "user_inactive"
    assert _login(client, "picker").status_code == 401


def test_a_reactivated_user_logs_in_again_but_their_old_tokens_stay_void(client: TestClient) -> None:
    old, admin = _bearer(client, "picker"), _bearer(client, "admin")
    client.post("/api/auth/users/picker/deactivate", headers=admin)
    assert client.post("/api/auth/users/picker/activate", headers=admin).status_code == 200
    assert client.get("/api/auth/me", headers=old).json()["code"] == "token_revoked"
    assert client.get("/api/auth/me", headers=_bearer(client, "picker")).status_code == 200


def test_changing_ones_password_ends_every_older_token(client: TestClient) -> None:
    other_device = _bearer(client, "qa")
    r = client.post("/api/auth/password", json={"current_password": "qa-pass-1", "new_password": "qa-pass-2"},
                    headers=other_device)
    assert r.status_code == 200
    stale = client.get("/api/auth/me", headers=other_device)
    assert stale.status_code == 401 and stale.json()["code"] == "token_revoked"
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=fresh).status_code == 200
    assert _login(client, "qa", "qa-pass-2").status_code == 200


def test_an_admin_password_reset_ends_the_users_tokens(client: TestClient) -> None:
    picker = _bearer(client, "picker")
    r = client.post("/api/auth/users/picker/password", json={"new_password": "picker-pass-2"},
                    headers=_bearer(client, "admin"))
    assert r.status_code == 200
    assert client.get("/api/auth/me", headers=picker).json()["code"] == "token_revoked"
    assert _login(client, "picker", "picker-pass-2").status_code == 200


def test_an_admin_can_revoke_a_users_tokens(client: TestClient) -> None:
    picker = _bearer(client, "picker")
    assert client.post("/api/auth/users/picker/revoke-tokens", headers=_bearer(client, "admin")).status_code == 200
    for path in ("/api/auth/me", "/api/auth/token"):
        r = client.get(path, headers=picker)
        assert r.status_code == 401 and r.json()["code"] == "token_revoked", path
    assert client.get("/api/auth/me", headers=_bearer(client, "picker")).status_code == 200


def test_only_an_admin_may_end_another_users_log_ins(client: TestClient) -> None:
    r = client.post("/api/auth/users/picker/revoke-tokens", headers=_bearer(client, "qa"))
    assert r.status_code == 403


def test_a_token_of_a_deleted_user_answers_401_user_unknown(client: TestClient, session: Session) -> None:
    temp = create_user(session, username="temp", password="temp-pass-1", role=Role.PICKER)
    headers = _bearer(client, "temp")
    session.delete(temp)
    session.commit()
    for path in ("/api/auth/me", "/api/auth/token"):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, path
        assert r.json() == {"code": "user_unknown",
                            "detail": "The account this token was issued to no longer exists; log in again."}


def test_a_token_without_a_generation_is_refused(client: TestClient, plant: Plant) -> None:
    token = _bearer(client, "picker")["Authorization"].split()[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims["gen"]
    key = client.app.state.tokens.keys.current
    old_style = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {old_style}"})
    assert r.status_code == 401 and "gen" in r.json()["detail"]


def test_the_sync_token_carries_the_users_generation(client: TestClient, plant: Plant) -> None:
    picker = _bearer(client, "picker")
    client.post("/api/auth/users/picker/revoke-tokens", headers=_bearer(client, "admin"))
    fresh = _bearer(client, "picker")
    sync_token = client.get("/api/auth/token", headers=fresh).json()["token"]
    assert jwt.decode(sync_token, options={"verify_signature": False})["gen"] == 1
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {sync_token}"}).status_code == 200
    assert client.get("/api/auth/me", headers=picker).status_code == 401
