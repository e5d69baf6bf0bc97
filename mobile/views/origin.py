"""Origin lookup: the replica's view at once, the backward trace from the backend on request."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.origin import OriginViewModel
from mobile.views.common import Kit, sid
from mobile.views.receive import flow_messages
from mobile.views.scan import summary_block


def build(kit: Kit, vm: OriginViewModel) -> ft.Control:
    o = vm.origin
    parts: list[ft.Control] = [kit.text(Msg.of("origin.prompt"), "origin-prompt", color=ft.Colors.GREY_700)]
    parts.append(summary_block(kit, o.summary, "origin-summary"))
    if o.code:
        parts.append(kit.button("origin-trace-button", "origin.full_trace", kit.a.act(vm.full_trace)))
    if o.trace:
        rows = [ft.Row([ft.Container(width=14 * line.depth),
                        ft.Column([ft.Text(line.code, weight=ft.FontWeight.BOLD, size=14),
                                   ft.Text(line.what, size=13),
                                   *([ft.Text(kit.t("origin.supplier", supplier=line.supplier), size=13,
                                              color=ft.Colors.BLUE_800)] if line.supplier else [])],
                                  spacing=1, expand=True)])
                for line in o.trace]
        parts.append(kit.section("origin.trace"))
        parts.append(sid("origin-trace", ft.Column(rows, spacing=8)))
    parts += flow_messages(kit, vm, "origin")
    return ft.Column(parts, spacing=10)
