"""MasterDataService on a real database: codes, references, the location tree, versions and BOM releases."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from backend.errors import Forbidden, InvalidInput, NotFound
from backend.masterdata.errors import (
    AlreadyExists,
    BomCycle,
    BomReleased,
    BomSuperseded,
    InvalidBomLines,
    InvalidLocationTree,
    StaleVersion,
    UnknownReference,
    WriteConflict,
)
from backend.masterdata.models import Bom
from backend.masterdata.record_service import MasterDataService
from backend.masterdata.schemas import (
    BomLineIn,
    CustomerCreate,
    EquipmentCreate,
    ItemCreate,
    LocationCreate,
    SiteCreate,
    SupplierCreate,
    bom_public,
)
from shared_models.enums import BomStatus, LocationKind, Tracking
from shared_models.masterdata import Item
from tests.factories import Plant


@pytest.fixture
def md(session: Session, plant: Plant) -> MasterDataService:
    return MasterDataService(session)


@pytest.fixture
def zone(md: MasterDataService) -> str:
    md.create_location(LocationCreate(code="S1-Z1", site="S1", name="Zone 1", kind=LocationKind.ZONE))
    return "S1-Z1"


def new_item(md: MasterDataService, part_no: str) -> Item:
    return md.create_item(ItemCreate(part_no=part_no, name=part_no))


# -- items ------------------------------------------------------------------------------------------------------
def test_item_gtin_is_stored_as_gtin_14(md: MasterDataService) -> None:
    item = md.create_item(ItemCreate(part_no="LID-01", name="Lid", gtin="4006381333931"))
    assert item.gtin == "04006381333931"
    assert md.get_item("LID-01").version == 1


def test_gtin_with_wrong_check_digit_is_refused_naming_the_digit() -> None:
    with pytest.raises(ValidationError, match="check digit is 7, expected 6"):
        ItemCreate(part_no="LID-01", name="Lid", gtin="06901234000017")


def test_gln_with_wrong_check_digit_is_refused() -> None:
    with pytest.raises(ValidationError, match="GLN: check digit is 5, expected 9"):
        SupplierCreate(code="SUP-C", name="C", gln="6901234000005")


def test_part_no_must_start_with_a_letter_or_digit_and_hold_no_spaces() -> None:
    for bad in ("-LID", "LID 01", "", "LID#1"):
        with pytest.raises(ValidationError, match="part_no"):
            ItemCreate(part_no=bad, name="Lid")


def test_negative_shelf_life_is_refused() -> None:
    with pytest.raises(ValidationError, match="shelf_life_days"):
        ItemCreate(part_no="LID-01", name="Lid", shelf_life_days=-1)


def test_unknown_tracking_is_refused() -> None:
    with pytest.raises(ValidationError, match="tracking"):
        ItemCreate(part_no="LID-01", name="Lid", tracking="batch")  # type: ignore[arg-type]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="colour"):
        ItemCreate(part_no="LID-01", name="Lid", colour="red")  # type: ignore[call-arg]


def test_duplicate_part_no_is_refused_naming_field_and_value(md: MasterDataService) -> None:
    with pytest.raises(AlreadyExists, match="part_no 'RESIN-01'") as caught:
        md.create_item(ItemCreate(part_no="RESIN-01", name="Other resin"))
    assert caught.value.code == "already_exists"
    assert caught.value.context == {"what": "item", "field": "part_no", "value": "RESIN-01"}


def test_duplicate_gtin_is_refused(md: MasterDataService) -> None:
    with pytest.raises(AlreadyExists, match="gtin '06901234000016'"):
        md.create_item(ItemCreate(part_no="MTR-02", name="Meter 2", gtin="6901234000016"))


def test_duplicate_slipping_past_the_checks_becomes_a_conflict(md: MasterDataService, session: Session,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MasterDataService, "_ensure_free", lambda *args, **kwargs: None)  # as in a concurrent insert
    with pytest.raises(WriteConflict) as caught:
        md.create_item(ItemCreate(part_no="RESIN-01", name="Other resin"))
    assert isinstance(caught.value.__cause__, IntegrityError)  # the database's unique index caught it
    assert "part_no" in str(caught.value)  # and its message names the column
    assert session.exec(select(func.count()).select_from(Item)).one() == 5


def test_update_bumps_version_and_updated_at(md: MasterDataService) -> None:
    before = md.get_item("PCB-01")
    updated = md.update_item("PCB-01", {"spec": "4-layer", "shelf_life_days": 720}, expected_version=1)
    assert (updated.spec, updated.shelf_life_days, updated.version) == ("4-layer", 720, 2)
    assert updated.updated_at >= before.updated_at


def test_update_with_stale_version_is_refused_naming_the_current_version(md: MasterDataService) -> None:
    md.update_item("PCB-01", {"spec": "4-layer"}, expected_version=1)
    with pytest.raises(StaleVersion, match="now at version 2, not 1") as caught:
        md.update_item("PCB-01", {"spec": "6-layer"}, expected_version=1)
    assert caught.value.code == "stale_version"
    assert md.get_item("PCB-01").spec == "4-layer"


def test_update_without_expected_version_is_last_write_wins(md: MasterDataService) -> None:
    md.update_item("PCB-01", {"spec": "4-layer"})
    assert md.update_item("PCB-01", {"spec": "6-layer"}).version == 3


def test_update_that_changes_nothing_keeps_the_version(md: MasterDataService) -> None:
    assert md.update_item("PCB-01", {"name": "Meter PCB"}).version == 1


def test_update_cannot_clear_a_required_field(md: MasterDataService) -> None:
    with pytest.raises(InvalidInput, match="name cannot be cleared"):
        md.update_item("PCB-01", {"name": None})


def test_update_can_clear_an_optional_gtin(md: MasterDataService) -> None:
    assert md.update_item("CASE-01", {"gtin": None}).gtin is None


def test_update_cannot_take_another_items_gtin(md: MasterDataService) -> None:
    with pytest.raises(AlreadyExists, match="gtin '06901234000016'"):
        md.update_item("CASE-01", {"gtin": "06901234000016"})


def test_update_of_unknown_item_is_not_found(md: MasterDataService) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        md.update_item("NOPE", {"name": "x"})


def test_items_are_searched_by_part_no_name_or_gtin_and_paged(md: MasterDataService) -> None:
    assert [i.part_no for i in md.list_items("meter")] == ["CASE-01", "MTR-01", "PCB-01"]
    assert [i.part_no for i in md.list_items("000023")] == ["CASE-01"]
    assert [i.part_no for i in md.list_items(limit=2, offset=1)] == ["CASE-01", "MTR-01"]


def test_search_wildcards_are_taken_literally(md: MasterDataService) -> None:
    assert md.list_items("%") == []


# -- partners ---------------------------------------------------------------------------------------------------
def test_customer_regions_are_non_empty_strings() -> None:
    with pytest.raises(ValidationError, match="regions"):
        CustomerCreate(code="DIST-3", name="North", regions=["Hebei", ""])


def test_duplicate_supplier_code_is_refused(md: MasterDataService) -> None:
    with pytest.raises(AlreadyExists, match="code 'SUP-A'"):
        md.create_supplier(SupplierCreate(code="SUP-A", name="Again"))


def test_customer_update_replaces_regions(md: MasterDataService) -> None:
    customer = md.update_customer("DIST-2", {"regions": ["Guangdong", "Hainan"]}, expected_version=1)
    assert (customer.regions, customer.version) == (["Guangdong", "Hainan"], 2)


# -- locations --------------------------------------------------------------------------------------------------
def test_location_with_unknown_site_code_is_refused(md: MasterDataService) -> None:
    with pytest.raises(UnknownReference, match="site: no site 'S9'") as caught:
        md.create_location(LocationCreate(code="S9-A", site="S9", name="Nowhere"))
    assert caught.value.context["field"] == "site"


def test_bins_go_inside_zones(md: MasterDataService, zone: str) -> None:
    bin_ = md.create_location(LocationCreate(code="S1-Z1-01", site="S1", name="Bin", parent=zone))
    assert md.get_location(zone).id == bin_.parent_id


def test_bin_cannot_be_a_parent(md: MasterDataService) -> None:
    with pytest.raises(InvalidLocationTree, match="S1-A-01 is a bin"):
        md.create_location(LocationCreate(code="S1-A-01-X", site="S1", name="Shelf", parent="S1-A-01"))


def test_parent_must_be_on_the_same_site(md: MasterDataService, zone: str) -> None:
    with pytest.raises(InvalidLocationTree, match="on site S1, not S2"):
        md.create_location(LocationCreate(code="S2-B-01", site="S2", name="Bin", parent=zone))


def test_unknown_parent_is_refused(md: MasterDataService) -> None:
    with pytest.raises(UnknownReference, match="parent: no location 'S1-NOPE'"):
        md.create_location(LocationCreate(code="S1-B-01", site="S1", name="Bin", parent="S1-NOPE"))


def test_location_cannot_move_inside_itself(md: MasterDataService, zone: str) -> None:
    md.create_location(LocationCreate(code="S1-Z1-INNER", site="S1", name="Inner", parent=zone,
                                      kind=LocationKind.ZONE))
    with pytest.raises(InvalidLocationTree, match="cycle"):
        md.update_location(zone, {"parent": "S1-Z1-INNER"})


def test_location_cannot_be_its_own_parent(md: MasterDataService, zone: str) -> None:
    with pytest.raises(InvalidLocationTree, match="cycle"):
        md.update_location(zone, {"parent": zone})


def test_zone_holding_locations_cannot_become_a_bin(md: MasterDataService, zone: str) -> None:
    md.create_location(LocationCreate(code="S1-Z1-01", site="S1", name="Bin", parent=zone))
    with pytest.raises(InvalidLocationTree, match="cannot become a bin"):
        md.update_location(zone, {"kind": "bin"})


def test_moving_a_bin_into_a_zone_bumps_its_version(md: MasterDataService, zone: str) -> None:
    moved = md.update_location("S1-A-01", {"parent": zone}, expected_version=1)
    assert (moved.parent_id, moved.version) == (md.get_location(zone).id, 2)


def test_site_scoped_caller_sees_only_their_sites_locations(md: MasterDataService, plant: Plant) -> None:
    s2 = plant.sites["S2"].id
    assert [loc.code for loc in md.list_locations(site_scope=s2)] == ["S2-A-01"]
    with pytest.raises(NotFound):
        md.get_location("S1-RCV", site_scope=s2)


def test_site_scoped_writer_cannot_add_to_another_site(md: MasterDataService, plant: Plant) -> None:
    with pytest.raises(Forbidden, match="own site"):
        md.create_location(LocationCreate(code="S1-B-01", site="S1", name="Bin"), site_scope=plant.sites["S2"].id)


# -- sites and equipment ----------------------------------------------------------------------------------------
def test_duplicate_site_code_is_refused(md: MasterDataService) -> None:
    with pytest.raises(AlreadyExists, match="code 'S1'"):
        md.create_site(SiteCreate(code="S1", name="Again"))


def test_equipment_needs_a_known_site(md: MasterDataService) -> None:
    with pytest.raises(UnknownReference, match="no site 'S9'"):
        md.create_equipment(EquipmentCreate(code="PRESS-1", site="S9", name="Press"))


def test_equipment_moves_to_another_site(md: MasterDataService, plant: Plant) -> None:
    md.create_equipment(EquipmentCreate(code="PRESS-1", site="S1", name="Press", kind="press"))
    moved = md.update_equipment("PRESS-1", {"site": "S2"}, expected_version=1)
    assert (moved.site_id, moved.version) == (plant.sites["S2"].id, 2)


# -- BOMs -------------------------------------------------------------------------------------------------------
def test_new_bom_version_is_a_draft_numbered_after_the_last(md: MasterDataService) -> None:
    bom = md.create_bom_version("MTR-01", [{"component": "BRD-01", "qty_per": 1}, {"component": "CASE-01",
                                                                                  "qty_per": 2}])
    assert (bom.version_no, bom.status) == (2, BomStatus.DRAFT)


def test_releasing_a_version_supersedes_the_one_released_before(md: MasterDataService, session: Session) -> None:
    md.create_bom_version("MTR-01", [BomLineIn(component="BRD-01", qty_per=1)])
    released = md.release_bom("MTR-01", 2)
    statuses = dict(session.exec(select(Bom.version_no, Bom.status).where(Bom.item_id == released.item_id)).all())
    assert statuses == {1: BomStatus.SUPERSEDED, 2: BomStatus.RELEASED}
    assert released.released_at is not None
    assert md.get_bom("MTR-01").version_no == 2


def test_releasing_a_released_version_again_changes_nothing(md: MasterDataService) -> None:
    first = md.release_bom("BRD-01", 1)
    assert md.release_bom("BRD-01", 1).released_at == first.released_at


def test_superseded_version_cannot_be_released_again(md: MasterDataService) -> None:
    md.create_bom_version("BRD-01", [BomLineIn(component="PCB-01", qty_per=2)])
    md.release_bom("BRD-01", 2)
    with pytest.raises(BomSuperseded):
        md.release_bom("BRD-01", 1)


def test_lines_of_a_released_bom_cannot_be_replaced(md: MasterDataService) -> None:
    with pytest.raises(BomReleased, match="BOM MTR-01 v1 is released") as caught:
        md.replace_bom_lines("MTR-01", 1, [BomLineIn(component="BRD-01", qty_per=2)])
    assert caught.value.code == "bom_released"


def test_line_of_a_released_bom_cannot_be_removed(md: MasterDataService) -> None:
    with pytest.raises(BomReleased):
        md.remove_bom_line("MTR-01", 1, "CASE-01")


def test_lines_of_a_superseded_bom_cannot_change(md: MasterDataService) -> None:
    md.create_bom_version("BRD-01", [BomLineIn(component="PCB-01", qty_per=2)])
    md.release_bom("BRD-01", 2)
    with pytest.raises(BomReleased, match="superseded"):
        md.replace_bom_lines("BRD-01", 1, [BomLineIn(component="PCB-01", qty_per=3)])


def test_draft_lines_can_be_replaced_and_removed(md: MasterDataService, session: Session) -> None:
    md.create_bom_version("MTR-01", [BomLineIn(component="BRD-01", qty_per=1)])
    md.replace_bom_lines("MTR-01", 2, [BomLineIn(component="BRD-01", qty_per=2),
                                       BomLineIn(component="CASE-01", qty_per=1)])
    md.remove_bom_line("MTR-01", 2, "CASE-01")
    assert [(ln.component, ln.qty_per) for ln in bom_public(session, md.get_bom("MTR-01", 2)).lines] == \
        [("BRD-01", 2.0)]


def test_bom_listing_its_own_item_is_refused(md: MasterDataService) -> None:
    with pytest.raises(BomCycle, match="lists MTR-01 itself"):
        md.create_bom_version("MTR-01", [BomLineIn(component="MTR-01", qty_per=1)])


def test_bom_making_a_cycle_through_released_boms_is_refused(md: MasterDataService) -> None:
    # MTR-01 → CASE-01 → RESIN-01 are released; RESIN-01 made of MTR-01 would close the loop.
    with pytest.raises(BomCycle, match="MTR-01 already contains RESIN-01"):
        md.create_bom_version("RESIN-01", [BomLineIn(component="MTR-01", qty_per=1)])


def test_release_refuses_a_cycle_made_since_the_draft(md: MasterDataService) -> None:
    new_item(md, "A-01")
    new_item(md, "B-01")
    md.create_bom_version("A-01", [BomLineIn(component="B-01", qty_per=1)])
    md.create_bom_version("B-01", [BomLineIn(component="A-01", qty_per=1)])   # fine: A-01 v1 is only a draft
    md.release_bom("A-01", 1)
    with pytest.raises(BomCycle):
        md.release_bom("B-01", 1)


def test_bom_component_listed_twice_is_refused(md: MasterDataService) -> None:
    with pytest.raises(InvalidBomLines, match="listed twice"):
        md.create_bom_version("MTR-01", [BomLineIn(component="BRD-01", qty_per=1),
                                         BomLineIn(component="BRD-01", qty_per=1)])


def test_bom_with_unknown_component_is_refused(md: MasterDataService) -> None:
    with pytest.raises(UnknownReference, match="component: no item 'NOPE'"):
        md.create_bom_version("MTR-01", [BomLineIn(component="NOPE", qty_per=1)])


def test_bom_qty_per_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="qty_per"):
        BomLineIn(component="BRD-01", qty_per=0)


def test_new_item_tracking_defaults_to_lot(md: MasterDataService) -> None:
    assert new_item(md, "LID-01").tracking is Tracking.LOT
