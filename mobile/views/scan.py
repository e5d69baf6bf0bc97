"""Scan screen: what the last code is, from the replica first."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.scan import ScanViewModel, Summary
from mobile.views.common import Kit


def summary_block(kit: Kit, summary: Summary | None, identifier: str) -> ft.Control:
    if summary is None:
        return ft.Container()
    parts: list[ft.Control] = [kit.text(summary.title, f"{identifier}-title", size=17, bold=True),
                               kit.lines(summary.lines, identifier)]
    if summary.warnings:
        parts.append(kit.message(None, f"{identifier}-warnings", kind="warn", details=summary.warnings))
    return ft.Container(ft.Column(parts, spacing=8), padding=12, border_radius=10, bgcolor=ft.Colors.GREY_100)


def build(kit: Kit, vm: ScanViewModel) -> ft.Control:
    s = vm.state
    parts: list[ft.Control] = [kit.text(Msg.of("scan.prompt"), "scan-prompt", color=ft.Colors.GREY_700)]
    if s.last_text:
        parts.append(kit.text(Msg.of("scan.last", code=s.last_text), "scan-last", size=13))
    parts.append(kit.message(s.error, "scan-error"))
    parts.append(summary_block(kit, s.summary, "scan-summary"))
    return ft.Column(parts, spacing=12)
