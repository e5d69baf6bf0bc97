"""Move / put-away form."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.move import MoveViewModel
from mobile.views.common import Kit
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: MoveViewModel) -> ft.Control:
    f = vm.form
    parts: list[ft.Control] = [
        kit.text(Msg.of("move.prompt"), "move-prompt", color=ft.Colors.GREY_700, size=13),
        kit.field("move-unit", "field.unit", f.unit, lambda v: vm.set("unit", v)),
    ]
    if vm.sources:
        parts.append(kit.chips("move-from", [(code, f"{code} ({qty:g})") for code, qty in vm.sources],
                               f.from_location, lambda code: vm.set("from_location", code)))
    parts += [
        kit.field("move-from", "move.from", f.from_location, lambda v: vm.set("from_location", v)),
        kit.field("move-to", "move.to", f.to_location, lambda v: vm.set("to_location", v)),
        kit.field("move-qty", "move.qty_all", f.qty, lambda v: vm.set("qty", v), number=True),
        *flow_messages(kit, vm, "move"),
        kit.button("move-submit", "move.submit", kit.a.act(vm.submit), primary=True),
    ]
    return ft.Column(parts, spacing=10)
