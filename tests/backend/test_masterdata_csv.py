"""CSV import of master data: every bad row reported by line, and a rejected file writes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, SQLModel, func, select

from backend.errors import NotFound
from backend.masterdata import import_service as csv_import
from backend.masterdata.errors import CsvRejected, RowError
from backend.masterdata.import_service import import_csv
from backend.masterdata.models import Bom, BomLine
from shared_models.enums import BomStatus
from shared_models.masterdata import Customer, Item, Location, Supplier
from tests.factories import Plant


def count(session: Session, table: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def rejected(session: Session, entity: str, text: str | bytes) -> list[RowError]:
    with pytest.raises(CsvRejected) as caught:
        import_csv(session, entity, text)
    assert caught.value.code == "csv_rejected"
    return caught.value.context["errors"]


def test_items_are_imported_with_their_count(session: Session, plant: Plant) -> None:
    text = ("part_no,name,gtin,tracking,shelf_life_days,needs_iqc\n"
            "LID-01,\"Lid, clear\",4006381333931,serial,,true\n"
            "SCREW-01,Screw M3,,none,0,false\n")
    report = import_csv(session, "items", text)
    assert (report.rows, report.created) == (2, {"items": 2})
    lid = session.exec(select(Item).where(Item.part_no == "LID-01")).one()
    assert (lid.name, lid.gtin, lid.tracking.value, lid.needs_iqc) == ("Lid, clear", "04006381333931", "serial", True)


def test_three_bad_rows_are_all_reported_and_nothing_is_written(session: Session, plant: Plant) -> None:
    before = count(session, Item)
    text = ("part_no,name,gtin,shelf_life_days\n"
            "OK-01,Fine,,\n"
            "BAD-01,Bad GTIN,06901234000017,\n"
            "OK-02,Fine too,,\n"
            "BAD 02,Space in part no,,\n"
            "BAD-03,Negative life,,-5\n")
    errors = rejected(session, "items", text)
    assert [(e["line"], e["column"]) for e in errors] == [(3, "gtin"), (5, "part_no"), (6, "shelf_life_days")]
    assert "check digit is 7, expected 6" in errors[0]["message"]
    assert count(session, Item) == before


def test_excel_csv_with_byte_order_mark_and_semicolons_is_read(session: Session, plant: Plant) -> None:
    text = "\ufeffcode;name;regions;channels\r\nDIST-3;North China;Hebei|Beijing;utility|retail\r\n"
    assert import_csv(session, "customers", text.encode("utf-8")).created == {"customers": 1}
    customer = session.exec(select(Customer).where(Customer.code == "DIST-3")).one()
    assert (customer.regions, customer.channels) == (["Hebei", "Beijing"], ["utility", "retail"])


def test_empty_list_element_is_refused(session: Session, plant: Plant) -> None:
    errors = rejected(session, "customers", "code,name,regions\nDIST-3,North,Hebei||Beijing\n")
    assert [(e["line"], e["column"]) for e in errors] == [(2, "regions")]


def test_unknown_column_is_refused_on_the_header_line(session: Session, plant: Plant) -> None:
    errors = rejected(session, "items", "part_no,name,colour\nLID-01,Lid,red\n")
    assert [(e["line"], e["column"]) for e in errors] == [(1, "colour")]


def test_missing_required_column_is_refused(session: Session, plant: Plant) -> None:
    errors = rejected(session, "items", "part_no,spec\nLID-01,round\n")
    assert [(e["line"], e["column"], e["message"]) for e in errors] == [(1, "name", "required column is missing")]


def test_empty_file_is_refused(session: Session, plant: Plant) -> None:
    assert rejected(session, "items", "\n\n")[0]["message"].startswith("the file is empty")


def test_duplicate_inside_the_file_names_the_first_line(session: Session, plant: Plant) -> None:
    errors = rejected(session, "suppliers", "code,name\nSUP-C,Cee\nSUP-D,Dee\nSUP-C,Cee again\n")
    assert errors == [RowError(line=4, column="code", message="code 'SUP-C' is already on line 2")]
    assert count(session, Supplier) == 2


def test_duplicate_of_a_code_in_the_database_is_reported(session: Session, plant: Plant) -> None:
    errors = rejected(session, "suppliers", "code,name\nSUP-A,Again\n")
    assert errors == [RowError(line=2, column="code", message="code 'SUP-A' is already used by another supplier.")]


def test_blank_lines_are_skipped_and_still_counted_in_line_numbers(session: Session, plant: Plant) -> None:
    errors = rejected(session, "suppliers", "code,name\n\nSUP-C,Cee\n,\n\nSUP-C,Again\n")
    assert [e["line"] for e in errors] == [6]


def test_row_with_extra_cells_is_reported(session: Session, plant: Plant) -> None:
    errors = rejected(session, "suppliers", "code,name\nSUP-C,Cee,surplus\n")
    assert [(e["line"], e["column"]) for e in errors] == [(2, None)]


def test_location_may_name_a_parent_defined_earlier_in_the_file(session: Session, plant: Plant) -> None:
    text = "code,site,name,parent,kind\nS1-Z9,S1,Zone 9,,zone\nS1-Z9-01,S1,Bin 1,S1-Z9,bin\n"
    assert import_csv(session, "locations", text).created == {"locations": 2}
    zone = session.exec(select(Location).where(Location.code == "S1-Z9")).one()
    assert session.exec(select(Location).where(Location.code == "S1-Z9-01")).one().parent_id == zone.id


def test_location_rows_with_unknown_site_and_bin_parent_are_reported(session: Session, plant: Plant) -> None:
    before = count(session, Location)
    text = "code,site,name,parent\nS9-A,S9,Nowhere,\nS1-X,S1,Under a bin,S1-A-01\nS1-Y,S1,Fine,\n"
    errors = rejected(session, "locations", text)
    assert [(e["line"], e["column"]) for e in errors] == [(2, "site"), (3, "parent")]
    assert count(session, Location) == before


def test_site_scoped_import_cannot_write_another_site(session: Session, plant: Plant) -> None:
    with pytest.raises(CsvRejected) as caught:
        import_csv(session, "equipment", "code,site,name\nPRESS-1,S1,Press\n", site_scope=plant.sites["S2"].id)
    assert caught.value.context["errors"][0]["column"] == "site"


def test_more_rows_than_allowed_are_refused(session: Session, plant: Plant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    errors = rejected(session, "suppliers", "code,name\nA1,a\nA2,b\nA3,c\n")
    assert errors == [RowError(line=4, column=None, message="more than 2 rows; split the file")]


def test_file_that_is_not_utf8_is_refused(session: Session, plant: Plant) -> None:
    errors = rejected(session, "suppliers", "code,name\nSUP-C,宁波\n".encode("gb18030"))
    assert errors[0]["line"] == 2 and "UTF-8" in errors[0]["message"]


def test_unknown_entity_is_not_found(session: Session, plant: Plant) -> None:
    with pytest.raises(NotFound, match="widgets"):
        import_csv(session, "widgets", "code\nA\n")


def test_bom_lines_make_a_draft_version(session: Session, plant: Plant) -> None:
    text = "item,version,component,qty_per\nMTR-01,2,BRD-01,1\nMTR-01,2,CASE-01,1\nPCB-01,1,RESIN-01,0.05\n"
    assert import_csv(session, "bom_lines", text).created == {"boms": 2, "bom_lines": 3}
    bom = session.exec(select(Bom).where(Bom.item_id == plant.items["MTR-01"].id, Bom.version_no == 2)).one()
    assert bom.status is BomStatus.DRAFT
    assert count(session, BomLine) == 4 + 3


def test_bom_lines_for_a_taken_version_are_refused(session: Session, plant: Plant) -> None:
    errors = rejected(session, "bom_lines", "item,version,component,qty_per\nMTR-01,1,BRD-01,1\n")
    assert [(e["line"], e["column"]) for e in errors] == [(2, "version")]
    assert "next version is 2" in errors[0]["message"]


def test_bom_line_rows_with_self_reference_and_unknown_component_are_reported(session: Session,
                                                                              plant: Plant) -> None:
    before = count(session, Bom)
    text = "item,version,component,qty_per\nMTR-01,2,MTR-01,1\nMTR-01,2,NOPE,1\nMTR-01,2,CASE-01,0\n"
    errors = rejected(session, "bom_lines", text)
    assert [(e["line"], e["column"]) for e in errors] == [(2, "component"), (3, "component"), (4, "qty_per")]
    assert count(session, Bom) == before


def test_bom_lines_making_a_cycle_are_refused(session: Session, plant: Plant) -> None:
    errors = rejected(session, "bom_lines", "item,version,component,qty_per\nRESIN-01,1,MTR-01,1\n")
    assert [(e["line"], e["column"]) for e in errors] == [(2, "component")]
    assert "cycle" in errors[0]["message"]


def test_trailing_empty_columns_left_by_a_spreadsheet_are_ignored(session: Session, plant: Plant) -> None:
    assert import_csv(session, "suppliers", "code;name;;\nSUP-C;Cee;;\n").created == {"suppliers": 1}
