"""Order errors, each naming the order and the line at fault."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput, NotFound


class UnknownOrder(NotFound):
    code = "unknown_order"

    def __init__(self, kind: str, number: str) -> None:
        super().__init__(f"{kind} order", number)


class BadOrderLines(InvalidInput):
    """Every bad line at once, so ERP fixes them in one go; nothing of the order is written."""

    code = "bad_order_lines"

    def __init__(self, kind: str, number: str, problems: list[tuple[int, str]]) -> None:
        listed = "; ".join(f"line {n}: {why}" for n, why in problems)
        super().__init__(f"{kind.capitalize()} order {number} was not stored: {listed}.",
                         lines=[{"line_no": n, "problem": why} for n, why in problems])


class OrderPartnerChanged(Conflict):
    code = "order_partner_changed"

    def __init__(self, kind: str, number: str, field: str, was: str, now: str) -> None:
        super().__init__(f"{kind.capitalize()} order {number} is for {field} {was}; it cannot become {now}. "
                         "Cancel it and send a new order number.", field=field)


class WorkOrderMismatch(Conflict):
    code = "work_order_mismatch"

    def __init__(self, number: str, why: str) -> None:
        super().__init__(f"Work order {number} {why}.")
