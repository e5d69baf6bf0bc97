"""Code verification for distributors."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.verify import GENUINE, VerifyViewModel
from mobile.views.common import ERROR, OK, WARN, Kit, sid
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: VerifyViewModel) -> ft.Control:
    parts: list[ft.Control] = [kit.text(Msg.of("verify.prompt"), "verify-prompt", color=ft.Colors.GREY_700)]
    if vm.regions:
        parts += [kit.section("verify.region"),
                  kit.chips("verify-region", [(r, r) for r in vm.regions], vm.region, vm.set_region)]
    v = vm.verdict
    if v is not None:
        color = OK if v.outcome == GENUINE else ERROR if v.outcome in ("unknown", "diverted") else WARN
        parts.append(sid("verify-verdict", ft.Container(ft.Column([
            ft.Text(kit.t(f"verify.outcome.{v.outcome}"), size=22, weight=ft.FontWeight.BOLD, color=color),
            ft.Text(kit.t(v.detail), size=15)]), padding=12, border_radius=10, bgcolor=ft.Colors.GREY_100)))
    parts += flow_messages(kit, vm, "verify")
    return ft.Column(parts, spacing=10)
