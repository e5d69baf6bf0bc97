"""Field verification over HTTP: distributors and staff check a code where they found the product."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.verify.schemas import Verification, VerifyRequest
from backend.verify.service import VerifyService
from shared_models.enums import Role


class VerifyController(Controller):
    path = "/api/verify"
    tags = ["verify"]

    @post("/", guards=[allow(*STAFF, Role.DISTRIBUTOR)], status_code=200, sync_to_thread=True)
    def verify(self, data: JSONBody[VerifyRequest], db: Db, principal: Caller) -> Verification:
        return VerifyService(db, principal).verify(data)
