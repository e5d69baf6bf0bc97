"""Why a label, a template, a printer or a print job was refused."""

from __future__ import annotations

from backend.errors import Conflict, InvalidInput, NotFound


class TemplateInvalid(InvalidInput):
    code = "template_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The label template has faults: " + "; ".join(problems), problems=problems)


class UnknownTemplate(NotFound):
    code = "unknown_template"

    def __init__(self, code: str, version: int | None = None) -> None:
        super().__init__("label template", code if version is None else f"{code} v{version}")


class TemplateExists(Conflict):
    code = "template_exists"

    def __init__(self, code: str) -> None:
        super().__init__(f"A label template '{code}' exists already; revise it to make a new version.", template=code)


class TemplateRetired(Conflict):
    code = "template_retired"

    def __init__(self, code: str) -> None:
        super().__init__(f"Label template '{code}' is retired and prints no more labels.", template=code)


class LabelDataInvalid(InvalidInput):
    """A value bound to an element that its symbology or the GS1 rules refuse; names element, field and AI."""

    code = "label_data_invalid"

    def __init__(self, detail: str, *, element: str, field: str | None = None, ai: str | None = None,
                 unit: str | None = None) -> None:
        context = {k: v for k, v in (("element", element), ("field", field), ("ai", ai), ("unit", unit)) if v}
        super().__init__((f"Unit {unit}: " if unit else "") + detail, **context)


class LabelDoesNotFit(InvalidInput):
    code = "label_does_not_fit"

    def __init__(self, detail: str, *, element: str) -> None:
        super().__init__(detail, element=element)


class UnknownPrinter(NotFound):
    code = "unknown_printer"

    def __init__(self, key: str) -> None:
        super().__init__("printer", key)


class PrinterInactive(Conflict):
    code = "printer_inactive"

    def __init__(self, name: str) -> None:
        super().__init__(f"Printer {name} is switched off in Lotline; pick another or switch it on.", printer=name)


class PrinterSetupInvalid(InvalidInput):
    code = "printer_setup_invalid"


class PrinterNameTaken(Conflict):
    code = "printer_name_taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"A printer named {name} exists already.", printer=name)


class UnknownPrintJob(NotFound):
    code = "unknown_print_job"

    def __init__(self, job_id: str) -> None:
        super().__init__("print job", job_id)


class JobNotRetryable(Conflict):
    code = "job_not_retryable"

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"Print job {job_id} is {status}; only a failed or cancelled job can be sent again.",
                         job=job_id, status=status)


class JobNotCancellable(Conflict):
    code = "job_not_cancellable"

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"Print job {job_id} is {status}; only a queued job can be cancelled.", job=job_id,
                         status=status)


class ReprintNeedsReason(Conflict):
    code = "reprint_needs_reason"

    def __init__(self, template: str, units: list[str]) -> None:
        shown = ", ".join(units[:10]) + (f" and {len(units) - 10} more" if len(units) > 10 else "")
        super().__init__(f"Label {template} was printed before for {shown}; a reprint needs a reason.",
                         template=template, units=units)


class NoUnitsToPrint(InvalidInput):
    code = "no_units_to_print"

    def __init__(self) -> None:
        super().__init__("Select at least one unit to print labels for.")


class UnknownUnits(NotFound):
    code = "unknown_units"

    def __init__(self, keys: list[str]) -> None:
        super().__init__("unit", ", ".join(keys[:10]))


class UnknownPrintRule(NotFound):
    code = "unknown_print_rule"

    def __init__(self, rule_id: str) -> None:
        super().__init__("print rule", rule_id)


class PrintRuleNameTaken(Conflict):
    code = "print_rule_name_taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"A print rule named '{name}' exists already; pick another name.", rule=name)
