"""Master data over HTTP: who may read and write, status codes, optimistic locking, BOM release, CSV upload."""

from __future__ import annotations

from litestar.testing import TestClient
from sqlmodel import Session, func, select

from shared_models.masterdata import Item

MD = "/api/masterdata"


def item_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Item)).one()


# -- who may do what --------------------------------------------------------------------------------------------
def test_staff_search_items(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/items", params={"q": "meter", "limit": 2}, headers=login("inspector"))
    assert r.status_code == 200, r.text
    assert [i["part_no"] for i in r.json()] == ["CASE-01", "MTR-01"]


def test_distributor_may_read_items(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/items/MTR-01", headers=login("dist"))
    assert r.status_code == 200, r.text
    assert r.json()["gtin"] == "06901234000016"


def test_distributor_may_not_read_suppliers(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"{MD}/suppliers", headers=login("dist")).status_code == 403


def test_distributor_is_refused_a_write(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/items", json={"part_no": "LID-01", "name": "Lid"}, headers=login("dist"))
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert item_count(session) == 5


def test_picker_is_refused_a_write(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/items/PCB-01", json={"spec": "4-layer"}, headers=login("picker"))
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")


def test_picker_is_refused_an_import(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/import/items", content=b"part_no,name\nLID-01,Lid\n",
                    headers={**login("picker"), "Content-Type": "text/csv"})
    assert r.status_code == 403


def test_anonymous_caller_is_refused(client: TestClient) -> None:
    assert client.get(f"{MD}/items").status_code == 401


# -- items ------------------------------------------------------------------------------------------------------
def test_qa_manager_creates_an_item(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/items", json={"part_no": "LID-01", "name": "Lid", "gtin": "4006381333931",
                                         "tracking": "serial"}, headers=login("qa"))
    assert r.status_code == 201, r.text
    assert (r.json()["gtin"], r.json()["version"]) == ("04006381333931", 1)


def test_bad_gtin_check_digit_is_refused_naming_the_digit(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/items", json={"part_no": "LID-01", "name": "Lid", "gtin": "06901234000017"},
                    headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (400, "validation_error")
    assert "check digit is 7, expected 6" in r.text


def test_duplicate_part_no_is_a_conflict_naming_it(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/items", json={"part_no": "RESIN-01", "name": "Again"}, headers=login("admin"))
    assert r.status_code == 409
    assert r.json()["code"] == "already_exists"
    assert r.json()["context"] == {"what": "item", "field": "part_no", "value": "RESIN-01"}


def test_unknown_item_is_not_found(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/items/NOPE", headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_location_code_with_a_slash_is_reachable(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    # Part numbers may no longer hold '/' (it separates part and lot in unit codes: test_unit_codes.py).
    assert client.post(f"{MD}/locations", json={"code": "S1/B/7", "site": "S1", "name": "Slashed"},
                       headers=login("qa")).status_code == 201
    assert client.get(f"{MD}/locations/S1%2FB%2F7", headers=login("qa")).json()["name"] == "Slashed"


def test_patch_with_if_match_bumps_the_version(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/items/PCB-01", json={"spec": "4-layer"}, headers={**login("qa"), "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert (r.json()["spec"], r.json()["version"]) == ("4-layer", 2)


def test_patch_with_stale_version_is_a_conflict(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    client.patch(f"{MD}/items/PCB-01", json={"spec": "4-layer"}, headers={**login("qa"), "If-Match": "1"})
    r = client.patch(f"{MD}/items/PCB-01", json={"spec": "6-layer", "expected_version": 1}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")
    assert "version 2" in r.json()["detail"]


def test_if_match_that_is_not_a_version_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/items/PCB-01", json={"spec": "x"}, headers={**login("qa"), "If-Match": "abc"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")


def test_patch_refuses_unknown_fields(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/items/PCB-01", json={"part_no": "PCB-02"}, headers=login("qa"))
    assert r.status_code == 400


# -- partners and sites -----------------------------------------------------------------------------------------
def test_customer_regions_are_updated(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/customers/DIST-2", json={"regions": ["Guangdong", "Hainan"]},
                     headers={**login("qa"), "If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["regions"] == ["Guangdong", "Hainan"]


def test_sites_are_listed(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/sites", headers=login("engineer"))
    assert [s["code"] for s in r.json()] == ["S1", "S2"]


def test_supplier_is_created_and_read(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    assert client.post(f"{MD}/suppliers", json={"code": "SUP-C", "name": "Cee"}, headers=login("qa")).status_code \
        == 201
    assert client.get(f"{MD}/suppliers/SUP-C", headers=login("picker")).json()["name"] == "Cee"


# -- locations and equipment ------------------------------------------------------------------------------------
def test_location_with_unknown_site_code_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/locations", json={"code": "S9-A", "site": "S9", "name": "Nowhere"}, headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (422, "unknown_reference")


def test_bin_as_parent_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/locations", json={"code": "S1-X", "site": "S1", "name": "X", "parent": "S1-A-01"},
                    headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (422, "invalid_location_tree")


def test_zone_and_bin_are_returned_with_codes(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    client.post(f"{MD}/locations", json={"code": "S1-Z1", "site": "S1", "name": "Zone", "kind": "zone"}, headers=qa)
    r = client.post(f"{MD}/locations", json={"code": "S1-Z1-01", "site": "S1", "name": "Bin", "parent": "S1-Z1"},
                    headers=qa)
    assert r.status_code == 201, r.text
    assert (r.json()["site"], r.json()["parent"], r.json()["kind"]) == ("S1", "S1-Z1", "bin")


def test_site_scoped_user_lists_only_their_sites_locations(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/locations", headers=login("picker2"))
    assert [loc["code"] for loc in r.json()] == ["S2-A-01"]
    assert client.get(f"{MD}/locations/S1-RCV", headers=login("picker2")).status_code == 404


def test_site_scoped_qa_manager_cannot_write_another_site(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/equipment", json={"code": "PRESS-1", "site": "S1", "name": "Press"}, headers=login("qa2"))
    assert r.status_code == 403


def test_site_scoped_user_sees_only_their_sites_equipment(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    for code, site in (("PRESS-1", "S1"), ("PRESS-2", "S2")):
        assert client.post(f"{MD}/equipment", json={"code": code, "site": site, "name": code},
                           headers=qa).status_code == 201
    assert [e["code"] for e in client.get(f"{MD}/equipment", headers=login("inspector")).json()] == ["PRESS-1"]


# -- BOMs -------------------------------------------------------------------------------------------------------
def test_bom_version_is_created_then_released(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    r = client.post(f"{MD}/boms/MTR-01/versions", json={"lines": [{"component": "BRD-01", "qty_per": 1}]},
                    headers=qa)
    assert (r.status_code, r.json()["version"], r.json()["status"]) == (201, 2, "draft")
    r = client.post(f"{MD}/boms/MTR-01/versions/2/release", headers=qa)
    assert (r.status_code, r.json()["status"]) == (200, "released")
    old = client.get(f"{MD}/boms/MTR-01", params={"version": 1}, headers=login("engineer")).json()
    assert old["status"] == "superseded"


def test_bom_is_read_with_component_codes(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{MD}/boms/MTR-01", headers=login("engineer"))
    assert r.json()["lines"] == [{"component": "BRD-01", "qty_per": 1.0}, {"component": "CASE-01", "qty_per": 1.0}]


def test_bom_listing_its_own_item_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/boms", json={"item": "MTR-01", "lines": [{"component": "MTR-01", "qty_per": 1}]},
                    headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (422, "bom_cycle")


def test_editing_a_released_bom_is_refused(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.patch(f"{MD}/boms/MTR-01/versions/1", json={"lines": [{"component": "BRD-01", "qty_per": 2}]},
                     headers=login("qa"))
    assert (r.status_code, r.json()["code"]) == (409, "bom_released")


def test_line_of_a_draft_is_removed(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    qa = login("qa")
    client.post(f"{MD}/boms", json={"item": "MTR-01", "lines": [{"component": "BRD-01", "qty_per": 1},
                                                                 {"component": "CASE-01", "qty_per": 1}]}, headers=qa)
    assert client.delete(f"{MD}/boms/MTR-01/versions/2/lines/CASE-01", headers=qa).status_code == 204
    assert client.get(f"{MD}/boms/MTR-01", params={"version": 2}, headers=qa).json()["lines"] == \
        [{"component": "BRD-01", "qty_per": 1.0}]


# -- CSV import -------------------------------------------------------------------------------------------------
def test_csv_body_is_imported(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    body = "\ufeffpart_no;name\r\nLID-01;Lid\r\nSCREW-01;Screw\r\n".encode()
    r = client.post(f"{MD}/import/items", content=body, headers={**login("qa"), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json() == {"entity": "items", "rows": 2, "created": {"items": 2}}
    assert item_count(session) == 7


def test_csv_file_upload_is_imported(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    files = {"file": ("suppliers.csv", b"code,name\nSUP-C,Cee\n", "text/csv")}
    r = client.post(f"{MD}/import/suppliers", files=files, headers=login("admin"))
    assert (r.status_code, r.json()["created"]) == (200, {"suppliers": 1})


def test_csv_with_bad_rows_is_refused_listing_every_one(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    body = b"part_no,name,gtin\nRESIN-01,Dup,\nOK-01,Fine,\nLID-01,Lid,06901234000017\n-X,Bad,\n"
    r = client.post(f"{MD}/import/items", content=body, headers={**login("qa"), "Content-Type": "text/csv"})
    assert (r.status_code, r.json()["code"]) == (422, "csv_rejected")
    assert [e["line"] for e in r.json()["context"]["errors"]] == [2, 4, 5]
    assert item_count(session) == 5


def test_import_of_unknown_entity_is_not_found(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{MD}/import/widgets", content=b"code\nA\n", headers={**login("qa"), "Content-Type": "text/csv"})
    assert r.status_code == 404
