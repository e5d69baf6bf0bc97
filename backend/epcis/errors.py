"""EPCIS errors: each names what is wrong, with the GS1 REST binding's exception type where it defines one."""

from __future__ import annotations

from typing import Any, ClassVar

from backend.errors import DomainError

PROBLEM_BASE = "epcisException:"


class EpcisError(DomainError):
    status_code = 400
    code = "epcis_error"
    problem: ClassVar[str] = "ImplementationException"

    def problem_json(self) -> dict[str, Any]:
        """RFC 7807 problem details, as the EPCIS REST binding answers errors."""
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.problem, "title": self.detail, "status": self.status_code,
                                "code": self.code, "detail": self.detail}
        if self.context:
            body.update(self.context)
        return body


class InvalidDocument(EpcisError):
    """The document fails GS1's EPCIS 2.0 JSON schema; `errors` hold a JSON pointer and a message each."""

    code = "epcis_invalid_document"
    problem = "ValidationException"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first['pointer'] or '/'}: {first['message']}{more}", errors=errors)


class QueryParameterInvalid(EpcisError):
    code = "epcis_query_parameter"
    problem = "QueryParameterException"


class DocumentTooLarge(EpcisError):
    status_code = 413
    code = "epcis_capture_limit"
    problem = "CaptureLimitExceededException"


class UnknownCapture(EpcisError):
    status_code = 404
    code = "epcis_unknown_capture"
    problem = "NoSuchResourceException"

    def __init__(self, capture_id: str) -> None:
        super().__init__(f"No capture job '{capture_id}'.", capture_id=capture_id)


class JoinRefused(EpcisError):
    """A captured event would close a cycle in the genealogy, or names no place this Lotline can record it at."""

    status_code = 409
    code = "epcis_join_refused"
