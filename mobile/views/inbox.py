"""Sync inbox: writes the server refused (reason, retry, discard), conflicts QA was told about, and inspections
still on the handheld."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.sync_status import Badge, InboxViewModel
from mobile.views.common import ERROR, MUTED, Kit, sid


def build(kit: Kit, vm: InboxViewModel, badge: Badge, pending_inspections: int,
          send_inspections: Callable[[], Any]) -> ft.Control:
    parts: list[ft.Control] = [
        kit.lines([("badge.state", badge.status), ("badge.queue", Msg.of("badge.pending", count=badge.pending)),
                   ("badge.when", badge.last_sync)], "inbox-status"),
        kit.section(Msg.of("inbox.rejected", count=badge.rejected)),
    ]
    entries = vm.entries
    for e in entries:
        parts.append(sid(f"inbox-entry-{e.op_id}", ft.Container(ft.Column([
            ft.Text(kit.t(e.what), weight=ft.FontWeight.BOLD, size=15),
            ft.Text(e.reason, color=ERROR, size=14),
            ft.Text(f"{e.code} · {e.at[:19].replace('T', ' ')}", color=MUTED, size=12),
            ft.Row([kit.button(f"inbox-retry-{e.op_id}", "inbox.retry", kit.a.act(vm.retry, e.op_id)),
                    kit.button(f"inbox-discard-{e.op_id}", "inbox.discard", kit.a.act(vm.discard, e.op_id),
                               danger=True)])], spacing=4),
            padding=10, border_radius=8, bgcolor=ft.Colors.RED_50)))
    if not entries:
        parts.append(kit.text(Msg.of("inbox.empty"), "inbox-empty", color=MUTED))
    notices = vm.notices
    if notices:
        parts.append(kit.section("inbox.notices"))
        parts += [ft.Text("• " + n, size=13) for n in notices[-10:]]
    parts.append(kit.section(Msg.of("inbox.inspections", count=pending_inspections)))
    if pending_inspections:
        parts.append(kit.text(Msg.of("inspect.no_sync"), "inbox-inspections-note", size=13, color=MUTED))
        parts.append(kit.button("inbox-send-inspections", "inbox.send_inspections", kit.a.act(send_inspections)))
    if vm.done is not None:
        parts.append(kit.message(vm.done, "inbox-done", kind="ok"))
    return ft.Column(parts, spacing=10)
