"""What the console refuses, as pages: a visitor without a valid log-in, or a role that may not see a page."""

from __future__ import annotations

from backend.errors import DomainError, Forbidden, Unauthorized


class ConsoleLoginNeeded(Unauthorized):
    code = "console_login_needed"

    def __init__(self, why: str = "Log in to use the console.") -> None:
        super().__init__(why)


class PageForbidden(Forbidden):
    code = "page_forbidden"

    def __init__(self, role: str, page: str) -> None:
        super().__init__(f"Role {role} may not open the console page {page}.", role=role, page=page)


class CsrfRefused(Forbidden):
    code = "csrf_refused"

    def __init__(self) -> None:
        super().__init__("A console change must come from the console itself (htmx header or form token); "
                         "reload the page and try again.")


class VendorMissing(DomainError):
    status_code = 503
    code = "console_vendor_missing"

    def __init__(self, why: str) -> None:
        super().__init__(f"The console's browser libraries (htmx, ECharts) are missing: {why}.")
