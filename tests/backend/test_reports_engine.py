"""The report engine on a small hand-built plant, on SQLite and PostgreSQL: FPY, Pareto order, PPM and time buckets
checked against values computed by hand; definitions that cannot run say which field is wrong; the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from backend.auth.principal import SYSTEM, Principal
from backend.quality.models import Inspection, InspectionPlan
from backend.reports.errors import DatasetNotInScope, InvalidReport
from backend.reports.models import SavedReport
from backend.reports.report_service import ReportService, load_shipped_reports, shipped_definitions
from backend.reports.run_service import run_report
from backend.reports.schemas import ReportDefinition, RunOptions
from backend.trace.models import EventLine
from shared_models.enums import EventType, InspectionStage, LineRole, Role, UnitKind
from shared_models.trace import Event, Unit
from tests.factories import Plant

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)   # a Monday
SUNDAY_LATE = datetime(2026, 11, 8, 23, 0, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 11, 9, 1, 0, tzinfo=UTC)
OCTOBER_LAST = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 07:30 on 1 November in Suzhou: October in UTC
_ids = iter(range(1, 10_000))


def _id() -> str:
    return f"00000000-0000-4000-8000-{next(_ids):012d}"


def build(session: Session, p: Plant) -> dict[str, Unit]:
    """Units made on two lines, inspected (IPQC) with the verdicts below; three resin/PCB lots with IQC; two
    meters shipped, one to the distributor DIST-1."""
    s1 = p.sites["S1"].id
    units: dict[str, Unit] = {}
    for code, item, line in (("U1", "BRD-01", "S1-LINE"), ("U2", "BRD-01", "S1-LINE"), ("U3", "BRD-01", "S1-LINE"),
                             ("U4", "MTR-01", "S1-LINE"), ("U5", "MTR-01", "S1-LINE"),
                             ("U6", "BRD-01", "S1-A-01")):
        unit = Unit(code=f"{item}/{code}", kind=UnitKind.SERIAL, item_id=p.items[item].id, serial=code, site_id=s1)
        session.add(unit)
        session.flush()
        event = Event(id=_id(), type=EventType.PRODUCE, business_step="commissioning", occurred_at=T0,
                      site_id=s1, location_id=p.locations[line].id)
        session.add(event)
        session.flush()
        session.add(EventLine(event_id=event.id, unit_id=unit.id, role=LineRole.OUTPUT, qty=1))
        units[code] = unit
    for code, item, supplier in (("R1", "RESIN-01", "SUP-A"), ("R2", "RESIN-01", "SUP-A"), ("P1", "PCB-01", "SUP-B")):
        units[code] = Unit(code=f"{item}/{code}", kind=UnitKind.LOT, item_id=p.items[item].id, lot_no=code, site_id=s1,
                           supplier_id=p.suppliers[supplier].id, uom="kg")
        session.add(units[code])
    plan = InspectionPlan(code="PLAN", name="plan", stage=InspectionStage.IPQC)
    session.add(plan)
    session.flush()

    def inspect(unit: str, stage: str, at: datetime, verdict: str, sample: int = 1, defective: int = 0,
                defects: list[dict[str, Any]] | None = None) -> None:
        session.add(Inspection(id=_id(), plan_id=plan.id, unit_id=units[unit].id, stage=InspectionStage(stage),
                               site_id=s1, lot_size=sample, sample_size=sample, accept=0, reject=1,
                               defective_units=defective, defects=defects or [], verdict=verdict, occurred_at=at))

    inspect("U1", "ipqc", T0, "pass")
    inspect("U2", "ipqc", T0, "fail", defective=1, defects=[{"code": "SOLDER", "count": 3},
                                                            {"code": "SCRATCH", "count": 1}])
    inspect("U2", "ipqc", SUNDAY_LATE, "pass")
    inspect("U3", "ipqc", T0, "pass")
    inspect("U4", "ipqc", MONDAY_EARLY, "fail", defective=1, defects=[{"code": "SOLDER", "count": 2},
                                                                      {"code": "MISSING", "count": 4}])
    inspect("U5", "ipqc", T0, "pass")
    inspect("U6", "ipqc", T0, "pass")
    inspect("R1", "iqc", OCTOBER_LAST, "pass", sample=50)
    inspect("R2", "iqc", T0 + timedelta(days=3), "fail", sample=80, defective=2, defects=[{"code": "SCRATCH",
                                                                                          "count": 1}])
    inspect("P1", "iqc", T0 + timedelta(days=4), "pass", sample=125, defective=1)
    for unit, customer in (("U5", "DIST-1"), ("U4", "CUST-1")):
        ship = Event(id=_id(), type=EventType.SHIP, business_step="shipping", occurred_at=T0 + timedelta(days=9),
                     site_id=s1, customer_id=p.customers[customer].id, reference=f"DN-{unit}")
        session.add(ship)
        session.flush()
        session.add(EventLine(event_id=ship.id, unit_id=units[unit].id, role=LineRole.SUBJECT, qty=1))
    session.commit()
    return units


@pytest.fixture
def built(session: Session, plant: Plant) -> dict[str, Unit]:
    return build(session, plant)


def run(session: Session, definition: dict[str, Any], by: Principal = SYSTEM, **options: Any) -> Any:
    return run_report(session, by, ReportDefinition.model_validate(definition), RunOptions(**options))


def as_dicts(result: Any) -> list[dict[str, Any]]:
    names = [c.name for c in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def test_defect_pareto_puts_the_biggest_code_first_with_its_cumulative_share(session: Session, built: Any) -> None:
    result = run(session, {"dataset": "defects", "dimensions": [{"field": "code"}], "measures": ["defects"],
                           "chart": {"type": "pareto"}})
    # SOLDER 3+2, MISSING 4, SCRATCH 1+1 (one IPQC, one IQC) of 11 defects in all
    assert result.rows == [["SOLDER", 5.0, round(5 / 11, 6)], ["MISSING", 4.0, round(9 / 11, 6)],
                           ["SCRATCH", 2.0, 1.0]]
    assert result.chart.model_dump() == {"type": "pareto", "x": "code", "y": ["defects", "cumulative_pct"]}


def test_first_pass_yield_counts_the_units_that_never_failed(session: Session, built: Any) -> None:
    result = run(session, {"dataset": "inspections", "dimensions": [{"field": "line"}, {"field": "item"}],
                           "measures": ["fpy", "units_inspected", "inspections"],
                           "filters": [{"field": "stage", "op": "eq", "value": "ipqc"}]})
    # S1-LINE/BRD-01: U1, U2 (failed once, passed on rework), U3 -> 2 of 3; MTR-01: U4 failed, U5 -> 1 of 2
    assert as_dicts(result) == [
        {"line": "S1-A-01", "item": "BRD-01", "fpy": 1.0, "units_inspected": 1, "inspections": 1},
        {"line": "S1-LINE", "item": "BRD-01", "fpy": round(2 / 3, 6), "units_inspected": 3, "inspections": 4},
        {"line": "S1-LINE", "item": "MTR-01", "fpy": 0.5, "units_inspected": 2, "inspections": 2}]


def test_supplier_ppm_by_month_is_defectives_per_million_sampled_in_utc_months(session: Session,
                                                                                built: Any) -> None:
    result = run(session, {"dataset": "inspections", "measures": ["pass_rate", "ppm", "sampled"],
                           "dimensions": [{"field": "supplier"}, {"field": "occurred_at", "grain": "month"}],
                           "filters": [{"field": "stage", "op": "in", "value": ["iqc"]}]})
    assert as_dicts(result) == [
        {"supplier": "SUP-A", "occurred_at_month": "2026-10", "pass_rate": 1.0, "ppm": 0.0, "sampled": 50},
        {"supplier": "SUP-A", "occurred_at_month": "2026-11", "pass_rate": 0.0, "ppm": 25000.0, "sampled": 80},
        {"supplier": "SUP-B", "occurred_at_month": "2026-11", "pass_rate": 1.0, "ppm": 8000.0, "sampled": 125}]


def test_weeks_start_on_monday_and_days_are_utc_days(session: Session, built: Any) -> None:
    weeks = run(session, {"dataset": "inspections", "dimensions": [{"field": "occurred_at", "grain": "week"}],
                          "measures": ["inspections"], "filters": [{"field": "stage", "value": "ipqc"}]})
    assert weeks.rows == [["2026-11-02", 6], ["2026-11-09", 1]]   # Sunday 23:00 is still the week of Monday 2nd
    days = run(session, {"dataset": "inspections", "dimensions": [{"field": "occurred_at", "grain": "day"}],
                         "measures": ["inspections"], "filters": [{"field": "stage", "value": "iqc"}]})
    assert days.rows == [["2026-10-31", 1], ["2026-11-05", 1], ["2026-11-06", 1]]


def test_common_filters_and_the_period_narrow_the_rows(session: Session, built: Any) -> None:
    definition = {"dataset": "inspections", "dimensions": [{"field": "item"}], "measures": ["inspections"]}
    assert run(session, definition, line="S1-A-01").rows == [["BRD-01", 1]]
    assert run(session, definition, supplier="SUP-B").rows == [["PCB-01", 1]]
    november = run(session, definition, from_at=datetime(2026, 11, 1, tzinfo=UTC),
                   to_at=datetime(2026, 11, 6, tzinfo=UTC))
    # not U2's rework (Sunday 8th), U4 (Monday 9th), R1 (31 October) nor P1 (6th, 08:00: the end is excluded)
    assert november.rows == [["BRD-01", 4], ["MTR-01", 1], ["RESIN-01", 1]]


def test_rows_are_sorted_and_paged_by_the_server(session: Session, built: Any) -> None:
    definition = {"dataset": "inspections", "dimensions": [{"field": "item"}], "measures": ["inspections"]}
    first = run(session, definition, sort=["-inspections"], limit=2)
    assert first.total_rows == 4 and first.rows == [["BRD-01", 5], ["MTR-01", 2]]
    # MTR-01 and RESIN-01 tie at 2: the item breaks the tie, the same way on every page
    second = run(session, definition, sort=["-inspections"], limit=2, offset=2)
    assert second.total_rows == 4 and second.rows == [["RESIN-01", 2], ["PCB-01", 1]]


@pytest.mark.parametrize(("definition", "options", "field"), [
    ({"dataset": "invoices", "measures": ["n"]}, {}, "dataset"),
    ({"dataset": "inspections", "measures": ["yield"]}, {}, "measures[0]"),
    ({"dataset": "inspections", "dimensions": [{"field": "colour"}], "measures": ["inspections"]}, {},
     "dimensions[0].field"),
    ({"dataset": "inspections", "dimensions": [{"field": "item", "grain": "week"}], "measures": ["inspections"]},
     {}, "dimensions[0].grain"),
    ({"dataset": "inspections", "measures": ["inspections"], "filters": [{"field": "verdict", "op": "in",
                                                                         "value": "pass"}]}, {}, "filters[0].value"),
    ({"dataset": "inspections", "measures": ["inspections"],
      "filters": [{"field": "occurred_at", "op": "range", "value": ["2026-11-01T00:00:00", None]}]}, {},
     "filters[0].value[0]"),
    ({"dataset": "inspections", "measures": ["inspections"], "filters": [{"field": "sha", "value": 1}]}, {},
     "filters[0].field"),
    ({"dataset": "warnings", "measures": ["warnings"]}, {"site": "S1"}, "site"),
    ({"dataset": "stock", "measures": ["qty"]}, {"from_at": T0}, "from"),
    ({"dataset": "inspections", "dimensions": [{"field": "item"}], "measures": ["inspections"]},
     {"sort": ["-verdict"]}, "sort[0]"),
    ({"dataset": "inspections", "measures": ["inspections"], "chart": {"type": "bar", "y": ["ppm"]}}, {},
     "chart.y[0]"),
])
def test_a_definition_that_cannot_run_names_the_wrong_field(session: Session, built: Any, definition: Any,
                                                           options: Any, field: str) -> None:
    with pytest.raises(InvalidReport) as caught:
        run(session, definition, **options)
    assert caught.value.context["field"] == field
    assert caught.value.detail.startswith(f"{field}: ")


def _principal(plant: Plant, username: str) -> Principal:
    user = plant.users[username]
    return Principal(user_id=user.id, username=username, role=Role(user.role), site_id=user.site_id,
                     customer_id=user.customer_id)


def test_a_distributor_sees_only_the_units_shipped_to_it(session: Session, plant: Plant, built: Any) -> None:
    units = {"dataset": "units", "dimensions": [{"field": "item"}], "measures": ["units"]}
    assert run(session, units).rows == [["BRD-01", 4], ["MTR-01", 2], ["PCB-01", 1], ["RESIN-01", 2]]
    assert run(session, units, by=_principal(plant, "dist")).rows == [["MTR-01", 1]]   # U5 only, not U4
    shipped = run(session, {"dataset": "shipments", "dimensions": [{"field": "reference"}], "measures": ["qty"]},
                  by=_principal(plant, "dist"))
    assert shipped.rows == [["DN-U5", 1.0]]
    with pytest.raises(DatasetNotInScope, match="inspections"):
        run(session, {"dataset": "inspections", "measures": ["inspections"]}, by=_principal(plant, "dist"))


def test_a_site_bound_account_sees_its_site_only(session: Session, plant: Plant, built: Any) -> None:
    definition = {"dataset": "inspections", "measures": ["inspections"]}
    assert run(session, definition, by=_principal(plant, "inspector")).rows == [[10]]   # site S1
    assert run(session, definition, by=_principal(plant, "picker2")).rows == [[0]]      # site S2


def test_shipped_reports_load_once_and_each_runs(session: Session, built: Any) -> None:
    codes = {r.code for r in shipped_definitions()}
    assert codes == {"defect_pareto", "fpy_by_line_item", "supplier_ppm_by_month", "output_vs_work_orders",
                     "warnings_over_time", "recall_progress"}
    assert set(load_shipped_reports(session)) == codes
    assert load_shipped_reports(session) == []
    session.commit()
    for report in ReportService(session, SYSTEM).list_reports():
        assert run_report(session, SYSTEM, report.definition, RunOptions()).columns
    assert session.query(SavedReport).count() == len(codes)
