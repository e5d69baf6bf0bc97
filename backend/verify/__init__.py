"""防伪 / 防窜货: verify a product's code in the field (genuine or unknown; diversion, clone and condition flags)."""

from backend.verify.flags import DIVERSION, SUSPECTED_CLONE
from backend.verify.schemas import Verification, VerifyFlag, VerifyRequest
from backend.verify.service import NotAUnitCode, VerifyService

__all__ = ["DIVERSION", "SUSPECTED_CLONE", "NotAUnitCode", "Verification", "VerifyFlag", "VerifyRequest",
           "VerifyService"]
