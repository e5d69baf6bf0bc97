"""Blind count: no book quantity on screen."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.stocktake import StocktakeViewModel
from mobile.views.common import Kit
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: StocktakeViewModel) -> ft.Control:
    f = vm.form
    parts: list[ft.Control] = [
        kit.text(Msg.of("count.prompt"), "count-prompt", color=ft.Colors.GREY_700, size=13),
        ft.Row([ft.Container(kit.field("count-location", "field.location", f.location,
                                       lambda v: vm.set("location", v)), expand=True),
                ft.Container(kit.field("count-reference", "count.reference", f.reference,
                                       lambda v: vm.set("reference", v)), expand=True)]),
        kit.section(Msg.of("count.entries", count=len(f.entries))),
    ]
    for n, entry in enumerate(f.entries):
        parts.append(ft.Row([ft.Text(entry.unit, expand=3, size=14),
                             ft.Container(kit.field(f"count-entry-{n}", "count.counted", entry.counted,
                                                    lambda v, u=entry.unit: vm.set_count(u, v), number=True),
                                          expand=2)]))
    parts += flow_messages(kit, vm, "count")
    parts.append(kit.button("count-submit", "count.submit", kit.a.act(vm.submit), primary=True))
    return ft.Column(parts, spacing=10)
