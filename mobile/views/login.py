"""Log-in screen."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.login import LoginViewModel
from mobile.views.common import Kit


def build(kit: Kit, vm: LoginViewModel, submit: object, toggle_language: object) -> ft.Control:
    s = vm.state
    return ft.Column([
        ft.Container(height=40),
        ft.Text(kit.t("app.name"), size=28, weight=ft.FontWeight.BOLD),
        ft.Text(kit.t("app.tagline"), size=15),
        ft.Container(height=24),
        kit.field("login-username", "login.username", s.username, vm.set_username),
        kit.field("login-password", "login.password", s.password, vm.set_password, password=True,
                  on_submit=submit),  # type: ignore[arg-type]
        kit.message(s.error, "login-error"),
        ft.Container(height=8),
        kit.button("login-submit", "login.submit", submit, primary=True),  # type: ignore[arg-type]
        kit.button("lang-toggle", Msg.of("app.switch_language"), toggle_language),  # type: ignore[arg-type]
        ft.Text(kit.t("login.demo_hint"), size=13, color=ft.Colors.GREY_700),
    ], spacing=14)
