"""The PWA reopens offline with the last online log-in kept on the phone (its token, never the password); server
mode, where every browser shares the server's data dir, never keeps one; log-out forgets it; and a kept token that
expired ends the log-in without a password check against the server, the queue left in the store file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.viewmodels.login import LoginViewModel
from sync.client import HttpConnector, Transport
from sync.client.adapters.httpx_http import HttpxHttp
from sync.client.errors import LoginRequired
from tests.aio import Run, run_fixture  # noqa: F401
from tests.mobile.handheld_fixtures import offline_api, server_api
from tests.mobile.test_vm_login_home_sync import login_route


def logged_in(run: Run[Any], data: Path, *, keep_session: bool) -> LoginViewModel:
    vm = LoginViewModel(data, "http://backend.test", keep_session=keep_session,
                        api_factory=lambda url: server_api({("POST", "/api/auth/login"): login_route}))
    vm.set_username("picker")
    vm.set_password("lotline-demo")
    hh = run(vm.submit())
    assert hh is not None
    run(hh.aclose())
    return vm


def reopened(data: Path, *, keep_session: bool = True) -> LoginViewModel:
    return LoginViewModel(data, "http://backend.test", api_factory=lambda url: offline_api(),
                          keep_session=keep_session)


def test_the_pwa_reopens_offline_with_the_last_log_in_and_its_token(run: Run[Any], tmp_path: Path) -> None:
    logged_in(run, tmp_path, keep_session=True)
    hh = reopened(tmp_path).resume()
    assert hh is not None and hh.user.username == "picker" and hh.user.site_id == "site-sz"
    assert hh.api.token == "tok" and not hh.user.offline_login  # the backend checked the password once
    assert "lotline-demo" not in (tmp_path / "session.json").read_text(encoding="utf-8")
    run(hh.aclose())


def test_server_mode_keeps_no_session_for_the_next_browser(run: Run[Any], tmp_path: Path) -> None:
    logged_in(run, tmp_path, keep_session=False)
    assert reopened(tmp_path, keep_session=False).resume() is None
    assert reopened(tmp_path, keep_session=True).resume() is None  # nothing was written to reopen with


def test_log_out_forgets_the_kept_session(run: Run[Any], tmp_path: Path) -> None:
    logged_in(run, tmp_path, keep_session=True).forget()
    assert reopened(tmp_path).resume() is None


def test_an_expired_kept_token_ends_the_log_in_without_checking_an_empty_password(run: Run[Any]) -> None:
    asked: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(401, json={"code": "token_expired", "detail": "The token expired."})

    http = HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(server)))
    connector = HttpConnector("http://backend.test", "picker", "", transport=Transport(http), session_token="old")
    with pytest.raises(LoginRequired):
        run(connector.fetch_credentials())
    assert asked == ["/api/auth/token"]  # never /api/auth/login with no password
    run(http.aclose())


def test_an_unreadable_kept_session_opens_the_log_in_screen(tmp_path: Path) -> None:
    (tmp_path / "session.json").write_text(json.dumps({"user": {"username": "picker"}}), encoding="utf-8")
    assert reopened(tmp_path).resume() is None


def test_another_worker_logging_in_offline_is_not_reopened_as_the_one_before(run: Run[Any], tmp_path: Path) -> None:
    logged_in(run, tmp_path, keep_session=True)
    (tmp_path / "session.json").write_text((tmp_path / "session.json").read_text(encoding="utf-8")
                                           .replace('"picker"', '"inspector"'), encoding="utf-8")
    vm = reopened(tmp_path)
    vm.set_username("picker")
    vm.set_password("lotline-demo")
    hh = run(vm.submit())  # offline, with the password this phone remembers
    assert hh is not None and hh.user.offline_login
    run(hh.aclose())
    assert reopened(tmp_path).resume() is None
