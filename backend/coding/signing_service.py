"""Code-signing keys (made, rotated, revoked) and signed codes for units: GS1 AI (8030) over the unit's canonical
element string (shared_models/coding.py says exactly what is signed and how the key id travels)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.coding.errors import NoSigningKey, NotSignable
from backend.coding.key_store import CodeKeyStore
from backend.coding.models import CodeSigningKey
from backend.coding.schemas import CodeVerdict, SignedCode
from backend.db import atomic
from backend.errors import NotFound
from backend.trace.errors import UnreadableCode
from backend.trace.lookup import unit_by_code
from shared_models.coding import KeyStatus, PublicKey, b64url, canonical_string, key_id, signed_message, verify_code
from shared_models.enums import UnitKind
from shared_models.gs1 import GS1Error, GS1Message, build_digital_link, gtin14
from shared_models.masterdata import Item
from shared_models.trace import Unit
from shared_models.types import utcnow


class SigningService:
    def __init__(self, session: Session, principal: Principal, keys_dir: Path) -> None:
        self.session = session
        self.by = principal
        self.store = CodeKeyStore(keys_dir)

    # -- keys ------------------------------------------------------------------------------------------------------
    def list_keys(self) -> list[CodeSigningKey]:
        return list(self.session.exec(select(CodeSigningKey).order_by(col(CodeSigningKey.created_at).desc())))

    def public_keys(self) -> dict[str, PublicKey]:
        return {k.kid: PublicKey(k.kid, k.public_key, k.status) for k in self.list_keys()}

    @atomic
    def rotate(self) -> CodeSigningKey:
        """A new key signs from now on; the key that signed before is retired and keeps verifying what it
        signed. The private half is written to disk before the row commits, so no listed key lacks its file."""
        taken = set(self.session.exec(select(CodeSigningKey.kid)).all())
        private = Ed25519PrivateKey.generate()
        while (kid := key_id(private.public_key())) in taken:  # 24-bit ids: a clash is rare, never kept
            private = Ed25519PrivateKey.generate()
        self.store.save(kid, private)
        now = utcnow()
        for old in self.session.exec(select(CodeSigningKey).where(CodeSigningKey.status == KeyStatus.ACTIVE)):
            old.status, old.retired_at = KeyStatus.RETIRED, now
        key = CodeSigningKey(kid=kid, public_key=b64url(private.public_key().public_bytes_raw()), created_at=now,
                             created_by=self.by.user_id if self.by.user_id != "system" else None)
        self.session.add(key)
        self.session.commit()
        return key

    @atomic
    def revoke(self, kid: str, reason: str) -> CodeSigningKey:
        """From now on what the key signed verifies as "revoked"; a revoked active key leaves no key signing until
        the next rotation. Revoking twice keeps the first reason."""
        key = self.session.get(CodeSigningKey, kid)
        if key is None:
            raise NotFound("signing key", kid)
        if key.status is not KeyStatus.REVOKED:
            key.status, key.revoked_at, key.revoked_reason = KeyStatus.REVOKED, utcnow(), reason
        self.session.commit()
        return key

    def _active(self) -> tuple[CodeSigningKey, Ed25519PrivateKey]:
        key = self.session.exec(select(CodeSigningKey).where(CodeSigningKey.status == KeyStatus.ACTIVE)).first()
        if key is None:
            raise NoSigningKey()
        return key, self.store.load(key.kid)

    # -- codes -----------------------------------------------------------------------------------------------------
    def unit_elements(self, unit: Unit) -> list[tuple[str, str]]:
        """A serial unit: (01) GTIN, (10) lot, (17) expiry, (21) serial; a container: (00) SSCC. A lot has no
        serialised key, so it cannot carry (8030)."""
        if unit.kind is UnitKind.CONTAINER and unit.sscc:
            return [("00", unit.sscc)]
        if unit.kind is not UnitKind.SERIAL or not unit.serial:
            raise NotSignable(f"{unit.code} is a {unit.kind.value}: a signature (8030) needs a serialised key "
                              "(a serial unit with a GTIN, or a container's SSCC).", unit=unit.code)
        item = self.session.get(Item, unit.item_id) if unit.item_id else None
        if item is None or not item.gtin:
            raise NotSignable(f"{unit.code}: its item has no GTIN, so the unit has no GS1 key to sign.",
                              unit=unit.code)
        elements = [("01", gtin14(item.gtin))]
        if unit.lot_no:
            elements.append(("10", unit.lot_no))
        if unit.expires_on:
            elements.append(("17", f"{unit.expires_on:%y%m%d}"))
        return [*elements, ("21", unit.serial)]

    def sign_unit(self, code: str, domain: str = "https://id.gs1.org") -> SignedCode:
        """The unit's code with its signature, ready to print: element string, raw data for a printer (GS as the
        separator) and Digital Link. Raises NotSignable, NoSigningKey, SigningKeyMissing."""
        unit = unit_by_code(self.session, code, self.by)
        try:
            message = GS1Message(tuple(self.unit_elements(unit)))  # type: ignore[arg-type]
        except GS1Error as exc:
            raise NotSignable(f"{unit.code}: {exc}", unit=unit.code) from exc
        key, private = self._active()
        signed = signed_message(message, private)
        return SignedCode(kid=key.kid, canonical=canonical_string(signed), element_string=signed.hri(),
                          raw=signed.to_raw(), digital_link=build_digital_link(signed, domain))

    def sign_elements(self, message: GS1Message) -> GS1Message:
        """Any GS1 message with a serialised key, signed by the active key (the label renderer's entry point)."""
        return signed_message(message, self._active()[1])

    def verify(self, code: str) -> CodeVerdict:
        """As the handheld answers offline, against every key this server knows. Raises UnreadableCode for text
        that is no valid GS1 code."""
        try:
            check = verify_code(code, self.public_keys())
        except GS1Error as exc:
            raise UnreadableCode(f"Scanned GS1 data is malformed: {exc}", ai=exc.ai, gs1_code=exc.code) from exc
        return CodeVerdict(verdict=check.verdict, reason=check.reason, kid=check.kid, canonical=check.canonical)
