"""防伪 / 防窜货: verify a product's code in the field (genuine or unknown; diversion and clone flags)."""

from backend.verify.service import (
    DIVERSION,
    SUSPECTED_CLONE,
    NotAUnitCode,
    Verification,
    VerifyRequest,
    VerifyService,
)

__all__ = ["DIVERSION", "SUSPECTED_CLONE", "NotAUnitCode", "Verification", "VerifyRequest", "VerifyService"]
