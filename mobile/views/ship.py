"""Ship: customer, units scanned into a new SSCC container."""

from __future__ import annotations

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.ship import ShipViewModel
from mobile.views.common import Kit, sid
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: ShipViewModel) -> ft.Control:
    f = vm.form
    parts: list[ft.Control] = [
        kit.section("field.customer"),
        kit.chips("ship-customer", [(c["code"], f"{c['code']} {c['name']}") for c in vm.customers], f.customer,
                  lambda code: vm.set("customer", code)),
        ft.Row([ft.Container(kit.field("ship-reference", "ship.reference", f.reference,
                                       lambda v: vm.set("reference", v)), expand=True),
                ft.Container(kit.field("ship-location", "ship.from", f.location, lambda v: vm.set("location", v)),
                             expand=True)]),
        kit.section(Msg.of("ship.units", count=len(f.units))),
    ]
    rows = [ft.Row([ft.Text(code, expand=True, size=14),
                    sid(f"ship-remove-{n}", ft.IconButton(ft.Icons.CLOSE, on_click=kit.a.act(vm.remove, code)))])
            for n, code in enumerate(f.units)]
    parts.append(sid("ship-units", ft.Column(rows or [ft.Text(kit.t("ship.scan_units"), color=ft.Colors.GREY_700)],
                                             spacing=2)))
    parts += flow_messages(kit, vm, "ship")
    parts.append(kit.button("ship-submit", "ship.submit", kit.a.act(vm.submit), primary=True))
    return ft.Column(parts, spacing=10)
