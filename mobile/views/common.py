"""Building blocks the views share: every control a test touches sits in `ft.Semantics(identifier=…)`, sized for
one thumb on a 412×915 screen; handlers go through `Kit.act`, which runs the view-model off the event loop and
then re-renders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import flet as ft

from mobile.i18n import Msg, Translator

ERROR = ft.Colors.RED_700
WARN = ft.Colors.ORANGE_800
OK = ft.Colors.GREEN_800
MUTED = ft.Colors.GREY_700
TAP_HEIGHT = 52  # comfortable thumb target


class Actions(Protocol):
    """What the app shell gives the views."""

    def act(self, fn: Callable[..., Any], *args: Any, render: bool = True) -> Callable[[Any], Any]: ...

    def change(self, fn: Callable[[str], Any]) -> Callable[[Any], Any]: ...

    def focus(self, focused: bool) -> None: ...


def _nothing() -> None:
    """Enter in a field: nothing to do but re-render (e.g. the quarantine notice for an IQC item)."""


def sid(identifier: str, control: ft.Control) -> ft.Semantics:
    """A stable selector for tests ([flt-semantics-identifier=…] in the browser)."""
    return ft.Semantics(identifier=identifier, content=control)


class Kit:
    def __init__(self, t: Translator, actions: Actions) -> None:
        self.t = t
        self.a = actions

    def say(self, value: str | Msg | None) -> str:
        if value is None:
            return ""
        return self.t(value) if isinstance(value, Msg) else value

    # -- text ------------------------------------------------------------------------------------------------
    def title(self, key: str | Msg) -> ft.Text:
        return ft.Text(self.say(Msg.of(key) if isinstance(key, str) else key), size=20, weight=ft.FontWeight.BOLD)

    def text(self, value: str | Msg, identifier: str | None = None, *, size: int = 15, color: Any = None,
             bold: bool = False) -> ft.Control:
        control = ft.Text(self.say(value), size=size, color=color, weight=ft.FontWeight.BOLD if bold else None,
                          selectable=False)
        return sid(identifier, control) if identifier else control

    def message(self, msg: Msg | None, identifier: str, *, kind: str = "error",
                details: Sequence[Msg] = ()) -> ft.Control:
        """A coloured box for a refusal (with every reason), a warning or a success; nothing when `msg` is None."""
        if msg is None and not details:
            return ft.Container()
        color = {"error": ERROR, "warn": WARN, "ok": OK}[kind]
        bg = {"error": ft.Colors.RED_50, "warn": ft.Colors.ORANGE_50, "ok": ft.Colors.GREEN_50}[kind]
        lines: list[ft.Control] = []
        if msg is not None:
            lines.append(ft.Text(self.say(msg), color=color, weight=ft.FontWeight.BOLD, size=15))
        lines += [ft.Text("• " + self.say(d), color=color, size=15) for d in details]
        return sid(identifier, ft.Container(ft.Column(lines, spacing=4), bgcolor=bg, padding=10, border_radius=8))

    def lines(self, pairs: Sequence[tuple[str, str | Msg]], identifier: str) -> ft.Control:
        rows = [ft.Row([ft.Text(self.say(Msg.of(label)), color=MUTED, size=14, width=110),
                        ft.Text(self.say(value), size=15, expand=True)], vertical_alignment=ft.CrossAxisAlignment.START)
                for label, value in pairs]
        return sid(identifier, ft.Column(rows, spacing=6))

    # -- inputs ----------------------------------------------------------------------------------------------
    def field(self, identifier: str, label: str, value: str, on_change: Callable[[str], Any], *,
              password: bool = False, number: bool = False, on_submit: Callable[[Any], Any] | None = None,
              hint: str | None = None) -> ft.Control:
        tf = ft.TextField(label=self.say(Msg.of(label)), value=value, password=password,
                          can_reveal_password=password, on_change=self.a.change(on_change),
                          on_submit=on_submit or self.a.act(_nothing),  # Enter shows what the value implies
                          keyboard_type=ft.KeyboardType.NUMBER if number else None, dense=False,
                          hint_text=self.say(Msg.of(hint)) if hint else None,
                          on_focus=lambda _: self.a.focus(True), on_blur=lambda _: self.a.focus(False))
        return sid(identifier, tf)

    def button(self, identifier: str, label: str | Msg, on_click: Callable[[Any], Any], *, primary: bool = False,
               icon: Any = None, expand: bool = True, danger: bool = False) -> ft.Control:
        text = self.say(Msg.of(label) if isinstance(label, str) else label)
        style = ft.ButtonStyle(shape=ft.RoundedRectangleBorder(radius=10))
        if primary:
            btn: ft.Control = ft.FilledButton(content=text, icon=icon, on_click=on_click, height=TAP_HEIGHT,
                                              style=style, expand=expand,
                                              bgcolor=ERROR if danger else None)
        else:
            btn = ft.OutlinedButton(content=text, icon=icon, on_click=on_click, height=TAP_HEIGHT, style=style,
                                    expand=expand)
        return sid(identifier, btn)

    def chips(self, prefix: str, options: Sequence[tuple[str, str]], selected: str,
              on_select: Callable[[str], Any]) -> ft.Control:
        """A one-tap choice among a few options (suppliers, customers, plans): each is `{prefix}-{key}`."""
        chips = []
        for key, label in options:
            chosen = key == selected
            chips.append(sid(f"{prefix}-{key}", ft.Container(
                ft.Text(label, size=14, color=ft.Colors.WHITE if chosen else None, no_wrap=False),
                bgcolor=ft.Colors.BLUE_700 if chosen else ft.Colors.BLUE_50, border_radius=16,
                padding=ft.Padding.symmetric(horizontal=12, vertical=8), on_click=self.a.act(on_select, key),
                ink=True)))
        return ft.Row(chips, wrap=True, spacing=6, run_spacing=6)

    def section(self, label: str | Msg) -> ft.Control:
        return ft.Text(self.say(Msg.of(label) if isinstance(label, str) else label), size=13, color=MUTED,
                       weight=ft.FontWeight.BOLD)
