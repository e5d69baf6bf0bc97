"""Inspection form: the plan's characteristics for the current sample, photos, verdict."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from mobile.i18n import Msg
from mobile.viewmodels.inspection import InspectionViewModel
from mobile.views.common import ERROR, OK, Kit, sid
from mobile.views.receive import flow_messages


def build(kit: Kit, vm: InspectionViewModel, take_photo: Callable[[str], Any]) -> ft.Control:
    f = vm.form
    parts: list[ft.Control] = []
    if not f.unit:
        parts.append(kit.text(Msg.of("inspect.prompt"), "inspect-prompt", color=ft.Colors.GREY_700))
        parts += flow_messages(kit, vm, "inspect")
        pending = len(vm.outbox.list("pending"))
        if pending:
            parts.append(kit.text(Msg.of("inspect.pending_local", count=pending), "inspect-pending", size=13))
        return ft.Column(parts, spacing=10)
    parts.append(kit.text(Msg.of("inspect.unit", unit=f.unit), "inspect-unit", bold=True))
    parts.append(kit.chips("inspect-plan", [(p["code"], f"{p['code']} ({p['stage']})") for p in vm.available],
                           f.plan_code, vm.choose_plan))
    if vm.plans.origin != "server":
        parts.append(kit.text(Msg.of(f"inspect.plans_{vm.plans.origin}"), "inspect-plan-origin", size=12,
                              color=ft.Colors.GREY_700))
    samples = [(str(i), kit.t("inspect.sample", n=i + 1)) for i in range(len(f.samples))]
    parts.append(ft.Row([kit.chips("inspect-sample", samples, str(f.current), lambda i: vm.select_sample(int(i))),
                         sid("inspect-add-sample", ft.IconButton(ft.Icons.ADD, on_click=kit.a.act(vm.add_sample)))]))
    outcome = vm.outcomes[f.current] if f.current < len(vm.outcomes) else None
    for c in vm.characteristics:
        label = f"{c.name}" + (f" [{c.lower if c.lower is not None else ''}…{c.upper if c.upper is not None else ''}"
                               f" {c.unit or ''}]" if c.kind == "numeric" else "")
        row: list[ft.Control] = [ft.Text(label, size=14, weight=ft.FontWeight.BOLD)]
        value = vm.answer(c.code)
        if c.kind == "pass_fail":
            row.append(kit.chips(f"inspect-char-{c.code}", [("pass", kit.t("verdict.pass")),
                                                             ("fail", kit.t("verdict.fail"))], value,
                                 lambda v, code=c.code: vm.set_answer(code, v)))
        elif c.kind == "choice":
            row.append(kit.chips(f"inspect-char-{c.code}", [(x, x) for x in c.choices], value,
                                 lambda v, code=c.code: vm.set_answer(code, v)))
        elif c.kind != "photo":
            row.append(kit.field(f"inspect-char-{c.code}", "inspect.value", value,
                                 lambda v, code=c.code: vm.set_answer(code, v), number=c.kind == "numeric"))
        photos = len(vm.photos_for(c.code))
        row.append(ft.Row([kit.button(f"inspect-photo-{c.code}", Msg.of("inspect.photo", count=photos),
                                      kit.a.act(take_photo, c.code), icon=ft.Icons.PHOTO_CAMERA, expand=False)]))
        if outcome and c.code in outcome.problems:
            row.append(ft.Text(kit.t(outcome.problems[c.code]), color=ERROR, size=13))
        if outcome and c.code in outcome.failed:
            row.append(ft.Text(kit.t("verdict.fail"), color=ERROR, size=13, weight=ft.FontWeight.BOLD))
        parts.append(ft.Container(ft.Column(row, spacing=4), padding=8, border_radius=8, bgcolor=ft.Colors.GREY_100))
    verdicts = [o.verdict for o in vm.outcomes]
    if verdicts and all(verdicts):
        overall = "fail" if "fail" in verdicts else "pass"
        parts.append(kit.text(Msg.of("inspect.verdict", verdict=Msg.of(f"verdict.{overall}")), "inspect-verdict",
                              size=18, bold=True, color=ERROR if overall == "fail" else OK))
    parts += flow_messages(kit, vm, "inspect")
    parts.append(ft.Row([kit.button("inspect-evaluate", "inspect.evaluate", kit.a.act(vm.evaluate)),
                         kit.button("inspect-submit", "inspect.submit", kit.a.act(vm.submit), primary=True)]))
    return ft.Column(parts, spacing=10)
