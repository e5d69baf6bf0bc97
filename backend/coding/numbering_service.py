"""Numbering rules kept as data, numbers handed out by them, and blocks reserved for handhelds working offline."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.auth.principal import Principal
from backend.coding.allocation import numbering_of, rule_for, take
from backend.coding.errors import BlockOverused, InvalidRule, NoOfflineBlocks, PatternError, RuleExists, StaleRule
from backend.coding.models import NumberBlock, NumberingRule, NumberKind
from backend.coding.pattern import Numbering, ResetPeriod, sscc_numbering, template, validate
from backend.coding.schemas import (
    Allocation,
    BlockRequest,
    NumberBlockPublic,
    NumberingRuleCreate,
    NumberingRulePublic,
    NumberRequest,
)
from backend.db import atomic
from backend.errors import Forbidden, NotFound
from backend.trace.lookup import item_by_ref, site_by_code
from shared_models.enums import Role
from shared_models.masterdata import Item, Site
from shared_models.types import utcnow

RULE_FIELDS = ("pattern", "width", "reset", "check_char", "gap_free", "company_prefix", "extension_digit", "active",
               "note")


class NumberingService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.by = principal

    # -- rules -----------------------------------------------------------------------------------------------------
    def list_rules(self, kind: NumberKind | None = None) -> list[NumberingRulePublic]:
        query = select(NumberingRule).order_by(NumberingRule.kind, NumberingRule.code)
        if kind is not None:
            query = query.where(NumberingRule.kind == kind)
        return [self.public(r) for r in self.session.exec(query)]

    def rule(self, code: str) -> NumberingRule:
        rule = self.session.exec(select(NumberingRule).where(NumberingRule.code == code)).first()
        if rule is None:
            raise NotFound("numbering rule", code)
        return rule

    @atomic
    def create_rule(self, data: NumberingRuleCreate) -> NumberingRule:
        if self.session.exec(select(NumberingRule.id).where(NumberingRule.code == data.code)).first() is not None:
            raise RuleExists(f"A numbering rule {data.code} exists already.", code=data.code)
        site = site_by_code(self.session, data.site) if data.site else None
        item = item_by_ref(self.session, data.item) if data.item else None
        rule = NumberingRule(code=data.code, kind=data.kind, site_id=site.id if site else None,
                             item_id=item.id if item else None, item_group=data.item_group,
                             **data.model_dump(include={"width", "start", "reset", "check_char", "gap_free",
                                                        "company_prefix", "extension_digit", "note"}),
                             pattern=[p.model_dump(exclude_none=True) for p in data.pattern])
        self._check(rule)
        self._one_active_per_scope(rule)
        self.session.add(rule)
        self.session.commit()
        return rule

    @atomic
    def update_rule(self, code: str, changes: dict[str, Any], expected_version: int | None) -> NumberingRule:
        rule = self.rule(code)
        if expected_version is not None and expected_version != rule.version:
            raise StaleRule(code, rule.version, expected_version)
        for name in RULE_FIELDS:
            if name in changes and (changes[name] is not None or name == "company_prefix"):
                setattr(rule, name, changes[name])
        self._check(rule)
        if rule.active:
            self._one_active_per_scope(rule)
        rule.version += 1
        rule.updated_at = utcnow()
        self.session.commit()
        return rule

    def _check(self, rule: NumberingRule) -> None:
        try:
            if rule.kind is NumberKind.SSCC:
                if rule.pattern or rule.reset is not ResetPeriod.NEVER:
                    raise PatternError("an SSCC rule has no pattern and never resets: it is extension digit + "
                                       "company prefix + serial reference + check digit")
                if rule.company_prefix:
                    sscc_numbering(rule.extension_digit, rule.company_prefix)
            else:
                validate(Numbering(tuple(rule.pattern), rule.width, rule.reset, rule.check_char))
                if rule.start >= 10**rule.width:
                    raise PatternError(f"start {rule.start} does not fit {rule.width} digits")
        except PatternError as exc:
            raise InvalidRule(f"Numbering rule {rule.code}: {exc}") from exc

    def _one_active_per_scope(self, rule: NumberingRule) -> None:
        same = self.session.exec(select(NumberingRule.code).where(
            NumberingRule.kind == rule.kind, col(NumberingRule.active), NumberingRule.code != rule.code,
            NumberingRule.site_id == rule.site_id if rule.site_id else col(NumberingRule.site_id).is_(None),
            NumberingRule.item_id == rule.item_id if rule.item_id else col(NumberingRule.item_id).is_(None),
            NumberingRule.item_group == rule.item_group if rule.item_group
            else col(NumberingRule.item_group).is_(None))).first()
        if same is not None:
            raise RuleExists(f"Rule {same} already numbers {rule.kind.value} for the same site, item and group; "
                             "deactivate it first.", code=same)

    def public(self, rule: NumberingRule) -> NumberingRulePublic:
        site = self.session.get(Site, rule.site_id) if rule.site_id else None
        item = self.session.get(Item, rule.item_id) if rule.item_id else None
        shown = numbering_of(rule, site) if rule.kind is NumberKind.SSCC else \
            Numbering(tuple(rule.pattern), rule.width, rule.reset, rule.check_char)
        return NumberingRulePublic(
            code=rule.code, kind=rule.kind, site=site.code if site else None, item=item.part_no if item else None,
            template=template(shown.parts, shown.width, shown.check), pattern=rule.pattern,
            **rule.model_dump(include={"item_group", "width", "start", "reset", "check_char", "gap_free",
                                       "company_prefix", "extension_digit", "active", "note", "version"}))

    # -- numbers ---------------------------------------------------------------------------------------------------
    def _context(self, req: NumberRequest) -> tuple[Site | None, Item | None, NumberingRule]:
        site = site_by_code(self.session, req.site) if req.site else None
        if site is not None and not self.by.sees_site(site.id):
            raise Forbidden(f"You work at another site than {site.code}; numbers for it are not yours to take.")
        item = item_by_ref(self.session, req.item) if req.item else None
        return site, item, rule_for(self.session, req.kind, site=site, item=item, item_group=req.item_group)

    @atomic
    def allocate(self, req: NumberRequest) -> Allocation:
        """Numbers taken and committed now (the caller holds them; an unused one is a gap, also for a gap-free
        rule, whose gap-freeness holds for numbers taken inside the transaction that uses them: `take`)."""
        site, item, rule = self._context(req)
        got = take(self.session, rule, req.count, on=req.on, site=site, item=item, line=req.line)
        self.session.commit()
        return Allocation(rule=rule.code, numbers=got.numbers, period_key=got.period_key, first_seq=got.first_seq)

    # -- offline blocks --------------------------------------------------------------------------------------------
    @atomic
    def reserve_block(self, req: BlockRequest) -> NumberBlockPublic:
        """`count` numbers for the device to use offline, in order; refused for a gap-free rule (NoOfflineBlocks)."""
        site, item, rule = self._context(req)
        if rule.gap_free:
            raise NoOfflineBlocks(rule.code)
        block = NumberBlock(rule_id=rule.id, device_id=req.device_id,
                            user_id=self.by.user_id if self.by.user_id != "system" else None,
                            period_key="", first_seq=0, last_seq=0)
        self.session.add(block)
        self.session.flush()
        got = take(self.session, rule, req.count, on=req.on, site=site, item=item, line=req.line, block_id=block.id)
        block.scope, block.period_key = got.scope, got.period_key
        block.first_seq, block.last_seq, block.numbers = got.first_seq, got.last_seq, got.numbers
        self.session.commit()
        return self._block_public(block, rule)

    def device_blocks(self, device_id: str, *, open_only: bool = True) -> list[NumberBlockPublic]:
        query = select(NumberBlock).where(NumberBlock.device_id == device_id).order_by(col(NumberBlock.issued_at))
        if open_only:
            query = query.where(col(NumberBlock.used_up_at).is_(None))
        blocks = self.session.exec(query).all()
        rules = {r.id: r for r in self.session.exec(select(NumberingRule).where(
            col(NumberingRule.id).in_({b.rule_id for b in blocks})))}
        return [self._block_public(b, rules[b.rule_id]) for b in blocks if self._may_see(b)]

    @atomic
    def report_use(self, block_id: str, used: int) -> NumberBlockPublic:
        """Records how many numbers of the block the device used; the block is used up when all are. A lower
        count than recorded before changes nothing (a late, repeated report); more than the block holds raises."""
        block = self.session.get(NumberBlock, block_id)
        if block is None or not self._may_see(block):
            raise NotFound("number block", block_id)
        if used > len(block.numbers):
            raise BlockOverused(f"Block {block_id} holds {len(block.numbers)} numbers; {used} cannot have been used.",
                                block=block_id)
        if used > block.used:
            block.used = used
            if used == len(block.numbers):
                block.used_up_at = utcnow()
        rule = self.session.get(NumberingRule, block.rule_id)
        assert rule is not None
        self.session.commit()
        return self._block_public(block, rule)

    def _may_see(self, block: NumberBlock) -> bool:
        return self.by.role in (Role.ADMIN, Role.QA_MANAGER) or block.user_id == self.by.user_id

    @staticmethod
    def _block_public(block: NumberBlock, rule: NumberingRule) -> NumberBlockPublic:
        return NumberBlockPublic(id=block.id, rule=rule.code, device_id=block.device_id, numbers=block.numbers,
                                 used=block.used, issued_at=block.issued_at, used_up_at=block.used_up_at)
