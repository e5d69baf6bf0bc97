"""Code verification for distributors: the verdict, then one line per flag in its colour."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.verify import GENUINE, STOP, FlagLine, Verdict, VerifyViewModel
from mobile.views.common import ERROR, MUTED, OK, WARN, Kit, sid
from mobile.views.receive import flow_messages

FLAG_COLOURS = {"stop": ERROR, "warn": WARN, "info": MUTED}


def outcome_colour(v: Verdict) -> str:
    if v.outcome == GENUINE and not v.serious:
        return OK
    return ERROR if v.serious or v.outcome in (STOP, "unknown", "diverted") else WARN


def flag_row(kit: Kit, flag: FlagLine) -> ft.Control:
    colour = FLAG_COLOURS.get(flag.severity, WARN)
    icon = ft.Icons.DO_NOT_DISTURB_ON if flag.severity == "stop" else (
        ft.Icons.WARNING_AMBER if flag.severity == "warn" else ft.Icons.INFO_OUTLINE)
    return sid(f"verify-flag-{flag.code}", ft.Row(
        [ft.Icon(icon, color=colour, size=20),
         ft.Text(kit.t(flag.text), color=colour, size=15, expand=True,
                 weight=ft.FontWeight.BOLD if flag.severity == "stop" else None)],
        vertical_alignment=ft.CrossAxisAlignment.START))


def build(kit: Kit, vm: VerifyViewModel) -> ft.Control:
    parts: list[ft.Control] = [kit.text(Msg.of("verify.prompt"), "verify-prompt", color=ft.Colors.GREY_700)]
    if vm.regions:
        parts += [kit.section("verify.region"),
                  kit.chips("verify-region", [(r, r) for r in vm.regions], vm.region, vm.set_region)]
    v = vm.verdict
    if v is not None:
        lines: list[ft.Control] = [
            ft.Text(kit.t(f"verify.outcome.{v.outcome}"), size=22, weight=ft.FontWeight.BOLD,
                    color=outcome_colour(v)),
            ft.Text(kit.t(v.detail), size=15)]
        lines += [flag_row(kit, f) for f in v.flags]
        lines += [sid(f"verify-why-{i}", ft.Text(kit.t(why), size=13, color=MUTED))
                  for i, why in enumerate(v.reasons)]
        parts.append(sid("verify-verdict", ft.Container(
            ft.Column(lines, spacing=6), padding=12, border_radius=10,
            bgcolor=ft.Colors.RED_50 if v.serious else ft.Colors.GREY_100)))
    parts += flow_messages(kit, vm, "verify")
    return ft.Column(parts, spacing=10)
