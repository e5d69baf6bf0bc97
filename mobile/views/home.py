"""Home: one large tile per flow the worker's role may use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from mobile.viewmodels.home import HomeViewModel
from mobile.views.common import Kit, sid

ICONS = {
    "receive": ft.Icons.MOVE_TO_INBOX, "move": ft.Icons.SWAP_HORIZ, "pick": ft.Icons.SHOPPING_BASKET,
    "ship": ft.Icons.LOCAL_SHIPPING, "stocktake": ft.Icons.FACT_CHECK, "inspect": ft.Icons.SEARCH,
    "origin": ft.Icons.ACCOUNT_TREE, "verify": ft.Icons.VERIFIED, "scan": ft.Icons.QR_CODE_SCANNER,
    "inbox": ft.Icons.INBOX,
}


def build(kit: Kit, vm: HomeViewModel, open_flow: Callable[[str], Any], logout: Any) -> ft.Control:
    tiles = []
    for tile in vm.tiles:
        tiles.append(sid(f"tile-{tile.flow}", ft.Container(
            ft.Column([ft.Icon(ICONS.get(tile.flow, ft.Icons.APPS), size=32, color=ft.Colors.BLUE_800),
                       ft.Text(kit.t(tile.label), size=17, weight=ft.FontWeight.BOLD),
                       ft.Text(kit.t(tile.hint), size=12, color=ft.Colors.GREY_700)], spacing=4),
            width=180, height=118, padding=12, border_radius=12, bgcolor=ft.Colors.BLUE_50,
            on_click=kit.a.act(open_flow, tile.flow), ink=True)))
    parts: list[ft.Control] = [kit.text(vm.greeting, "home-greeting", size=16, bold=True)]
    if vm.offline_login is not None:
        parts.append(kit.message(vm.offline_login, "home-offline-login", kind="warn"))
    parts.append(ft.Row(tiles, wrap=True, spacing=10, run_spacing=10))
    parts.append(kit.button("logout", "home.logout", logout))
    return ft.Column(parts, spacing=14)
