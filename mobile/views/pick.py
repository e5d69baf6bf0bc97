"""Pick list with FEFO suggestions; refusals show every reason."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.pick import PickViewModel
from mobile.views.common import Kit, sid
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: PickViewModel) -> ft.Control:
    pl = vm.pick_list
    parts: list[ft.Control] = [
        ft.Row([ft.Container(kit.field("pick-reference", "pick.reference", pl.reference,
                                       lambda v: vm.set("reference", v)), expand=True),
                ft.Container(kit.field("pick-to", "pick.to", vm.to_location, lambda v: vm.set("to_location", v)),
                             expand=True)]),
        kit.section("pick.lines"),
    ]
    for i, line in enumerate(pl.lines):
        current = i == pl.current
        parts.append(sid(f"pick-line-{i}", ft.Container(
            ft.Text(kit.t("pick.line", item=line.part_no, picked=f"{line.picked:g}", qty=f"{line.qty:g}"),
                    weight=ft.FontWeight.BOLD if current else None),
            bgcolor=ft.Colors.BLUE_50 if current else None, padding=8, border_radius=8,
            on_click=kit.a.act(vm.select, i))))
    parts.append(ft.Row([
        ft.Container(kit.field("pick-new-item", "field.item", vm.new_item, lambda v: vm.set("new_item", v)),
                     expand=3),
        ft.Container(kit.field("pick-new-qty", "field.qty", vm.new_qty, lambda v: vm.set("new_qty", v),
                               number=True), expand=2),
        ft.Container(kit.button("pick-add-line", "pick.add", kit.a.act(vm.add_line)), expand=2)]))
    suggestions = vm.suggestions()
    if vm.line is not None:
        parts.append(kit.section(Msg.of("pick.fefo", item=vm.line.part_no)))
        rows = [ft.Text(kit.t("pick.suggestion", n=n + 1, unit=s.unit, location=s.location, qty=f"{s.qty:g}",
                              date=s.expires_on.isoformat() if s.expires_on else kit.t("pick.no_expiry")),
                        size=14) for n, s in enumerate(suggestions[:5])]
        if not rows:
            rows = [ft.Text(kit.t("pick.no_usable"), color=ft.Colors.GREY_700)]
        parts.append(sid("pick-fefo", ft.Column(rows, spacing=4)))
    parts += flow_messages(kit, vm, "pick")
    parts.append(kit.text(Msg.of("pick.prompt"), "pick-prompt", color=ft.Colors.GREY_700, size=13))
    return ft.Column(parts, spacing=10)
