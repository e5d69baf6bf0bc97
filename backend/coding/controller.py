"""Coding over HTTP: numbering rules and numbers, offline number blocks, code-signing keys, signed codes."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from backend.auth.guards import STAFF, allow
from backend.coding.models import NumberKind
from backend.coding.numbering_service import NumberingService
from backend.coding.schemas import (
    Allocation,
    BlockRequest,
    BlockUse,
    CodeCheck,
    CodeVerdict,
    KeyRevoke,
    NumberBlockPublic,
    NumberingRuleCreate,
    NumberingRulePublic,
    NumberingRuleUpdate,
    NumberRequest,
    SignedCode,
    SigningKeyPublic,
    SignRequest,
)
from backend.coding.signing_service import SigningService
from backend.deps import Caller, Config, Db
from shared_models.enums import Role

RULE_EDITORS = allow(Role.QA_MANAGER, Role.ENGINEER)
KEY_KEEPERS = allow(Role.QA_MANAGER)
VERIFIERS = allow(*STAFF, Role.DISTRIBUTOR)


def _signing(db: Db, principal: Caller, settings: Config) -> SigningService:
    return SigningService(db, principal, settings.data_dir / "code-keys")


class NumberingController(Controller):
    path = "/api/coding"
    tags = ["coding"]

    @get("/rules", guards=[allow(*STAFF)], sync_to_thread=True)
    def list_rules(self, db: Db, principal: Caller,
                   kind: Annotated[NumberKind | None, QueryParameter()] = None) -> list[NumberingRulePublic]:
        """Numbering rules (patterns for lot numbers, serials and SSCCs)."""
        return NumberingService(db, principal).list_rules(kind)

    @post("/rules", guards=[RULE_EDITORS], sync_to_thread=True)
    def create_rule(self, data: JSONBody[NumberingRuleCreate], db: Db, principal: Caller) -> NumberingRulePublic:
        """Creates a numbering rule from a pattern."""
        service = NumberingService(db, principal)
        return service.public(service.create_rule(data))

    @get("/rules/{code:str}", guards=[allow(*STAFF)], sync_to_thread=True)
    def get_rule(self, code: FromPath[str], db: Db, principal: Caller) -> NumberingRulePublic:
        """One numbering rule with its next number."""
        service = NumberingService(db, principal)
        return service.public(service.rule(code))

    @patch("/rules/{code:str}", guards=[RULE_EDITORS], sync_to_thread=True)
    def update_rule(self, code: FromPath[str], data: JSONBody[NumberingRuleUpdate], db: Db,
                    principal: Caller) -> NumberingRulePublic:
        """Changes a numbering rule's pattern or limits."""
        service = NumberingService(db, principal)
        return service.public(service.update_rule(code, data.changes(), data.expected_version))

    @post("/numbers", guards=[allow(*STAFF)], sync_to_thread=True)
    def allocate(self, data: JSONBody[NumberRequest], db: Db, principal: Caller) -> Allocation:
        """Allocates the next numbers of a rule (lot numbers, serials or SSCCs), each used once across all
        devices."""
        return NumberingService(db, principal).allocate(data)

    @post("/blocks", guards=[allow(*STAFF)], sync_to_thread=True)
    def reserve_block(self, data: JSONBody[BlockRequest], db: Db, principal: Caller) -> NumberBlockPublic:
        """Reserves a block of numbers for a handheld to use offline."""
        return NumberingService(db, principal).reserve_block(data)

    @get("/blocks", guards=[allow(*STAFF)], sync_to_thread=True)
    def device_blocks(self, db: Db, principal: Caller, device: Annotated[str, QueryParameter(max_length=64)],
                      open_only: Annotated[bool, QueryParameter(name="open")] = True) -> list[NumberBlockPublic]:
        """The blocks reserved by a device and how far each is used."""
        return NumberingService(db, principal).device_blocks(device, open_only=open_only)

    @post("/blocks/{block_id:str}/used", status_code=200, guards=[allow(*STAFF)], sync_to_thread=True)
    def report_use(self, block_id: FromPath[str], data: JSONBody[BlockUse], db: Db,
                   principal: Caller) -> NumberBlockPublic:
        """Reports how far a device used a reserved block."""
        return NumberingService(db, principal).report_use(block_id, data.used)


class SigningController(Controller):
    path = "/api/coding"
    tags = ["coding"]

    @get("/keys", guards=[VERIFIERS], sync_to_thread=True)
    def list_keys(self, db: Db, principal: Caller, settings: Config) -> list[SigningKeyPublic]:
        """Code-signing keys (for anti-counterfeit codes)."""
        return [SigningKeyPublic.model_validate(k) for k in _signing(db, principal, settings).list_keys()]

    @post("/keys", guards=[KEY_KEEPERS], sync_to_thread=True)
    def rotate(self, db: Db, principal: Caller, settings: Config) -> SigningKeyPublic:
        """Makes a new code-signing key the active one; older keys still verify."""
        return SigningKeyPublic.model_validate(_signing(db, principal, settings).rotate())

    @post("/keys/{kid:str}/revoke", status_code=200, guards=[KEY_KEEPERS], sync_to_thread=True)
    def revoke(self, kid: FromPath[str], data: JSONBody[KeyRevoke], db: Db, principal: Caller,
               settings: Config) -> SigningKeyPublic:
        """Revokes a code-signing key: codes it signed no longer verify."""
        return SigningKeyPublic.model_validate(_signing(db, principal, settings).revoke(kid, data.reason))

    @post("/sign", status_code=200, guards=[allow(*STAFF)], sync_to_thread=True)
    def sign(self, data: JSONBody[SignRequest], db: Db, principal: Caller, settings: Config) -> SignedCode:
        """Signs a unit code for anti-counterfeit labels; answers the signed text to print."""
        return _signing(db, principal, settings).sign_unit(data.unit, data.domain)

    @post("/verify", status_code=200, guards=[VERIFIERS], sync_to_thread=True)
    def verify(self, data: JSONBody[CodeCheck], db: Db, principal: Caller, settings: Config) -> CodeVerdict:
        """Verifies a signed code: genuine, tampered, or signed by a revoked key."""
        return _signing(db, principal, settings).verify(data.code)


CODING_CONTROLLERS = [NumberingController, SigningController]
