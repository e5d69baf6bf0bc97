"""Receiving form."""

from __future__ import annotations

from typing import Any

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.receive import ReceiveViewModel
from mobile.views.common import Kit


def flow_messages(kit: Kit, vm: Any, prefix: str) -> list[ft.Control]:
    s = vm.state
    return [kit.message(s.error, f"{prefix}-error", details=s.refusals),
            kit.message(None, f"{prefix}-warnings", kind="warn", details=s.warnings),
            kit.message(s.done, f"{prefix}-done", kind="ok")]


def build(kit: Kit, vm: ReceiveViewModel) -> ft.Control:
    f = vm.form
    item = vm.item
    parts: list[ft.Control] = [
        kit.text(Msg.of("receive.prompt"), "receive-prompt", color=ft.Colors.GREY_700, size=13),
        kit.section("field.supplier"),
        kit.chips("receive-supplier", [(s["code"], f"{s['code']} {s['name']}") for s in vm.suppliers], f.supplier,
                  lambda code: vm.set("supplier", code)),
        kit.field("receive-item", "field.item", f.item, lambda v: vm.set("item", v)),
    ]
    if item is not None:
        parts.append(kit.text(f"{item['part_no']} {item['name']}", "receive-item-name", size=13))
    if vm.quarantine:
        parts.append(kit.message(Msg.of("receive.quarantine", item=f.item), "receive-quarantine", kind="warn"))
    parts += [
        ft.Row([ft.Container(kit.field("receive-supplier-lot", "field.supplier_lot", f.supplier_lot,
                                       lambda v: vm.set("supplier_lot", v)), expand=True),
                ft.Container(kit.field("receive-lot", "field.lot", f.lot_no, lambda v: vm.set("lot_no", v)),
                             expand=True)]),
        ft.Row([ft.Container(kit.field("receive-qty", "field.qty", f.qty, lambda v: vm.set("qty", v), number=True),
                             expand=True),
                ft.Container(kit.field("receive-location", "field.location", f.location,
                                       lambda v: vm.set("location", v)), expand=True)]),
        ft.Row([ft.Container(kit.field("receive-produced", "field.produced_on", f.produced_on,
                                       lambda v: vm.set("produced_on", v), hint="field.date_hint"), expand=True),
                ft.Container(kit.field("receive-expires", "field.expiry", f.expires_on,
                                       lambda v: vm.set("expires_on", v), hint="field.date_hint"), expand=True)]),
    ]
    if f.serials:
        parts.append(kit.text(Msg.of("receive.serials", count=len(f.serials), list=", ".join(f.serials[-5:])),
                              "receive-serials", size=13))
    parts += flow_messages(kit, vm, "receive")
    parts.append(kit.button("receive-submit", "receive.submit", kit.a.act(vm.submit), primary=True))
    return ft.Column(parts, spacing=10)
