"""Field verification over HTTP: distributors and staff check a code where they found the product; QA sets the
clone-detection travel thresholds and the places of regions."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import JSONBody

from backend.auth.guards import STAFF, allow
from backend.deps import Caller, Db
from backend.verify.schemas import Verification, VerifyRequest, VerifySettingsPublic, VerifySettingsUpdate
from backend.verify.service import VerifyService, verify_settings
from shared_models.enums import Role

SETTINGS_KEEPERS = allow(Role.QA_MANAGER)


class VerifyController(Controller):
    path = "/api/verify"
    tags = ["verify"]

    @post("/", guards=[allow(*STAFF, Role.DISTRIBUTOR)], status_code=200, sync_to_thread=True)
    def verify(self, data: JSONBody[VerifyRequest], db: Db, principal: Caller) -> Verification:
        """Checks a scanned code where the product was found: genuine or unknown, the (8030) signature's verdict,
        and flags with their reasons (diversion naming the shipment, clone tests with the earlier checks, recalled,
        expired, …). Without `region`, the checking account's customer regions are used. Recorded as a VERIFY
        event; a retry with the same `id` records once."""
        return VerifyService(db, principal).verify(data)

    @get("/settings", guards=[SETTINGS_KEEPERS], sync_to_thread=True)
    def settings(self, db: Db) -> VerifySettingsPublic:
        """Clone-detection travel thresholds and region coordinates (defaults until set)."""
        return VerifySettingsPublic.model_validate(verify_settings(db), from_attributes=True)

    @put("/settings", guards=[SETTINGS_KEEPERS], sync_to_thread=True)
    def update_settings(self, data: JSONBody[VerifySettingsUpdate], db: Db, principal: Caller) -> VerifySettingsPublic:
        """Sets the fastest plausible travel between two checks, the distance under which they are one place, and
        region name -> [latitude, longitude]. Count and region thresholds are the clone warning rule's."""
        row = VerifyService(db, principal).update_settings(data)
        return VerifySettingsPublic.model_validate(row, from_attributes=True)
