"""The home screen: the tiles a worker's role may use, and who is logged in."""

from __future__ import annotations

from dataclasses import dataclass

from mobile.i18n import Msg
from mobile.viewmodels.context import UserSession
from shared_models.enums import Role

WAREHOUSE = ("receive", "move", "pick", "ship", "stocktake")
ALL_FLOWS = (*WAREHOUSE, "inspect", "origin", "verify")
TILES: dict[Role, tuple[str, ...]] = {
    Role.PICKER: WAREHOUSE,
    Role.INSPECTOR: ("inspect",),
    Role.ENGINEER: ("origin",),
    Role.DISTRIBUTOR: ("verify",),
    Role.QA_MANAGER: ALL_FLOWS,
    Role.ADMIN: ALL_FLOWS,
}
ALWAYS = ("scan", "inbox")  # every role can look a code up and see what sync refused


@dataclass(frozen=True, slots=True)
class Tile:
    flow: str
    label: Msg
    hint: Msg


class HomeViewModel:
    def __init__(self, user: UserSession) -> None:
        self.user = user

    @property
    def tiles(self) -> list[Tile]:
        return [Tile(f, Msg.of(f"tile.{f}"), Msg.of(f"tile.{f}.hint")) for f in (*TILES[self.user.role], *ALWAYS)]

    def may_open(self, flow: str) -> bool:
        return flow in TILES[self.user.role] or flow in ALWAYS

    @property
    def greeting(self) -> Msg:
        return Msg.of("home.greeting", name=self.user.display_name, role=Msg.of(f"role.{self.user.role.value}"))

    @property
    def offline_login(self) -> Msg | None:
        return Msg.of("home.offline_login") if self.user.offline_login else None
