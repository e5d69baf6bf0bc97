"""Benchmark-scale history: about `units` trace units of a three-site motor plant, bulk-loaded.

Every row follows the services (backend/warehouse, backend/production): one Event per shop-floor action with
its lines, transform edges per produce, aggregate edges per pack, and stock on hand as the sum of the lines.
Rows go in with executemany on SQLite and COPY on PostgreSQL, in foreign-key order, a batch at a time; the
reachability is then computed from them in one pass (backend/trace/reach_build.py) and written the same way.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from operator import itemgetter
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from backend.errors import Conflict
from backend.tables import metadata
from backend.trace.reach_build import rebuild
from shared_models.enums import BUSINESS_STEP, EdgeKind, EventType, LineRole, UnitKind, UnitStatus
from shared_models.gs1 import compute_check_digit

ScaleStats = dict[str, int | float | str]

START = datetime(2025, 1, 6, tzinfo=UTC)  # day 0 of the generated year
DAY = 86_400
FIRST_BATCH_S = 21 * DAY
SPAN_S = 330 * DAY
END_S = FIRST_BATCH_S + SPAN_S
CHUNK_ROWS = 20_000
COMMIT_ROWS = 2_000_000
EPS = 1e-9
WIDE_SHARE = 0.1  # the wide raw lot reaches at least this share of `units` as finished units

# family, name, uom, lot size range, shelf life (days), incoming inspection; grades A, B, C make 60 raw items
RAW_FAMILIES = (
    ("PA66", "PA66-GF30 resin", "kg", (800, 2500), 730, True, "Polymer"),
    ("PC", "Polycarbonate resin", "kg", (500, 1500), 730, False, "Polymer"),
    ("CU", "Enamelled copper wire", "kg", (1000, 3000), None, False, "Wire & Cable"),
    ("FE", "Electrical steel strip M270", "kg", (6000, 15000), None, False, "Steel"),
    ("MAG", "NdFeB magnet N42", "pcs", (20000, 60000), None, True, "Magnetics"),
    ("BRG", "Deep-groove ball bearing", "pcs", (5000, 20000), None, False, "Bearing"),
    ("SHF", "C45 shaft bar", "m", (500, 2000), None, False, "Steel"),
    ("PCB", "FR4 bare board", "pcs", (2000, 8000), 365, True, "Electronics"),
    ("MCU", "Microcontroller", "pcs", (5000, 15000), None, True, "Semiconductor"),
    ("DRV", "Gate driver IC", "pcs", (5000, 15000), None, True, "Semiconductor"),
    ("FET", "Power MOSFET", "pcs", (20000, 60000), None, True, "Semiconductor"),
    ("CAP", "MLCC capacitor reel", "pcs", (60000, 200000), None, False, "Electronics"),
    ("SLD", "SAC305 solder paste", "kg", (10, 40), 180, False, "Chemicals"),
    ("CON", "Connector housing", "pcs", (10000, 30000), None, False, "Electronics"),
    ("WIR", "PVC-insulated cable", "m", (5000, 20000), None, False, "Wire & Cable"),
    ("TRM", "Crimp terminal", "pcs", (20000, 80000), None, False, "Electronics"),
    ("SIL", "Silicone sealing compound", "kg", (50, 200), 365, False, "Chemicals"),
    ("SCR", "Thread-forming screw M4", "pcs", (20000, 100000), None, False, "Fasteners"),
    ("LBL", "Polyester label stock", "pcs", (20000, 50000), None, False, "Packaging"),
    ("CTN", "Corrugated carton", "pcs", (2000, 8000), None, False, "Packaging"),
)
TRADES = ("Polymer", "Wire & Cable", "Steel", "Magnetics", "Bearing", "Electronics", "Semiconductor", "Chemicals",
          "Fasteners", "Packaging")
CITIES = ("Ningbo", "Suzhou", "Dongguan", "Shenzhen", "Wuxi", "Changzhou", "Hangzhou", "Xiamen", "Tianjin", "Qingdao",
          "Foshan", "Hefei", "Wuhan", "Chengdu", "Dalian")

# part no., name, lot size range, raw inputs per piece
COMPONENTS = (
    ("CMP-HSG-01", "Motor housing 60 mm", (1500, 4000), (("RM-PA66-A", 0.16), ("RM-SCR-A", 4))),
    ("CMP-HSG-02", "Motor housing 90 mm", (1000, 3000), (("RM-PA66-B", 0.32), ("RM-SCR-B", 6))),
    ("CMP-PHS-01", "Pump volute", (1000, 2500), (("RM-PC-A", 0.25), ("RM-SIL-A", 0.01))),
    ("CMP-CVR-01", "End shield", (2000, 5000), (("RM-PC-B", 0.08), ("RM-SCR-C", 2))),
    ("CMP-CVR-02", "Terminal box cover", (2000, 5000), (("RM-PA66-C", 0.05), ("RM-PC-C", 0.02))),
    ("CMP-STK-01", "Stator lamination stack 60 mm", (1500, 4000), (("RM-FE-A", 0.9),)),
    ("CMP-STK-02", "Stator lamination stack 90 mm", (1000, 3000), (("RM-FE-B", 1.6),)),
    ("CMP-COIL-01", "Stator coil 60 mm", (4000, 10000), (("RM-CU-A", 0.07), ("RM-SIL-B", 0.002))),
    ("CMP-COIL-02", "Stator coil 90 mm", (3000, 8000), (("RM-CU-B", 0.13), ("RM-SIL-C", 0.003))),
    ("CMP-ROT-01", "Rotor 60 mm", (1500, 4000), (("RM-MAG-A", 6), ("RM-SHF-A", 0.12), ("RM-FE-C", 0.3))),
    ("CMP-ROT-02", "Rotor 90 mm", (1000, 3000), (("RM-MAG-B", 8), ("RM-SHF-B", 0.18), ("RM-CU-C", 0.01))),
    ("CMP-BRG-01", "Bearing set 6201", (3000, 8000), (("RM-BRG-A", 1), ("RM-BRG-B", 1))),
    ("CMP-BRG-02", "Magnetic coupling set", (2000, 5000), (("RM-BRG-C", 2), ("RM-MAG-C", 2), ("RM-SHF-C", 0.05))),
    ("CMP-PCB-CTRL", "Controller board panel", (1000, 3000),
     (("RM-PCB-A", 1), ("RM-MCU-A", 1), ("RM-CAP-A", 12), ("RM-SLD-A", 0.002))),
    ("CMP-PCB-PWR", "Power stage board panel", (1000, 3000),
     (("RM-PCB-B", 1), ("RM-DRV-A", 1), ("RM-FET-A", 3), ("RM-FET-C", 3), ("RM-SLD-B", 0.003))),
    ("CMP-PCB-SNS", "Encoder board panel", (1500, 4000),
     (("RM-PCB-C", 1), ("RM-MCU-B", 1), ("RM-DRV-C", 1), ("RM-CAP-C", 3), ("RM-SLD-C", 0.001))),
    ("CMP-PCB-INV", "Inverter board panel", (1000, 3000),
     (("RM-PCB-B", 1), ("RM-MCU-C", 1), ("RM-DRV-B", 1), ("RM-FET-B", 6), ("RM-CAP-B", 4))),
    ("CMP-HRN-01", "Motor lead harness", (2000, 5000), (("RM-WIR-A", 0.8), ("RM-CON-A", 2), ("RM-TRM-A", 4))),
    ("CMP-HRN-02", "Power cable assembly", (1500, 4000), (("RM-WIR-B", 1.5), ("RM-CON-B", 1), ("RM-TRM-B", 3))),
    ("CMP-HRN-03", "Encoder lead", (3000, 8000), (("RM-WIR-C", 0.5), ("RM-CON-C", 1), ("RM-TRM-C", 2))),
    ("CMP-LBL-01", "Rating plate label set", (8000, 20000), (("RM-LBL-A", 2), ("RM-LBL-B", 1))),
    ("CMP-PKG-01", "Packaging kit S", (3000, 8000), (("RM-CTN-A", 1), ("RM-LBL-C", 1))),
    ("CMP-PKG-02", "Packaging kit L", (2000, 5000), (("RM-CTN-B", 1), ("RM-CTN-C", 0.1))),
)
# part no., name, serial inputs, lot inputs per piece
SUBS = (
    ("SA-CTRL-01", "Controller board", (), (("CMP-PCB-CTRL", 1), ("CMP-PCB-SNS", 1), ("CMP-HRN-03", 1))),
    ("SA-PWR-01", "Power stage", (), (("CMP-PCB-PWR", 1), ("CMP-HRN-01", 1))),
    ("SA-INV-01", "Inverter board", (), (("CMP-PCB-INV", 1), ("CMP-HRN-02", 1), ("CMP-CVR-02", 1))),
    ("SA-STA-01", "Wound stator 60 mm", (), (("CMP-STK-01", 1), ("CMP-COIL-01", 3), ("CMP-HRN-01", 1))),
    ("SA-STA-02", "Wound stator 90 mm", (), (("CMP-STK-02", 1), ("CMP-COIL-02", 3), ("CMP-HRN-02", 1))),
    ("SA-ROT-01", "Rotor assembly 60 mm", (), (("CMP-ROT-01", 1), ("CMP-BRG-01", 1))),
    ("SA-ROT-02", "Rotor assembly 90 mm", (), (("CMP-ROT-02", 1), ("CMP-BRG-01", 1), ("CMP-BRG-02", 1))),
    ("SA-PMP-01", "Pump head", (), (("CMP-PHS-01", 1), ("CMP-BRG-02", 1), ("CMP-CVR-01", 1), ("CMP-ROT-02", 1))),
)
# Every module holds a controller board: that is the path the wide MCU lot fans out along.
MODULES = (
    ("MOD-SRV-01", "Servo motor core 400 W", ("SA-CTRL-01", "SA-STA-01"), (("CMP-ROT-01", 1), ("CMP-BRG-01", 2))),
    ("MOD-SRV-02", "Servo motor core 1.5 kW", ("SA-CTRL-01", "SA-STA-02", "SA-ROT-02"), (("CMP-CVR-01", 1),)),
    ("MOD-DRV-01", "Servo drive core", ("SA-CTRL-01", "SA-PWR-01"), (("CMP-CVR-01", 1),)),
    ("MOD-PMP-01", "Pump drive core", ("SA-CTRL-01", "SA-INV-01", "SA-PMP-01"), ()),
    ("MOD-FAN-01", "EC fan core", ("SA-CTRL-01", "SA-ROT-01"), (("CMP-HRN-01", 1),)),
)
# part no., name, site, share of finished output, module, lot inputs, units per carton
FINISHED = (
    ("FG-SRV-01", "Servo motor 400 W", "SZ", 0.34, "MOD-SRV-01",
     (("CMP-HSG-01", 1), ("CMP-LBL-01", 1), ("CMP-PKG-01", 1)), 20),
    ("FG-SRV-02", "Servo motor 1.5 kW", "SZ", 0.26, "MOD-SRV-02",
     (("CMP-HSG-02", 1), ("CMP-LBL-01", 1), ("CMP-PKG-02", 1)), 10),
    ("FG-KIT-01", "Motor cable kit", "SZ", 0.08, None,
     (("CMP-HRN-01", 1), ("CMP-HRN-02", 1), ("CMP-LBL-01", 1), ("CMP-PKG-01", 1)), 50),
    ("FG-DRV-01", "Servo drive 1 kW", "WX", 0.10, "MOD-DRV-01",
     (("CMP-CVR-02", 1), ("CMP-LBL-01", 1), ("CMP-PKG-01", 1)), 30),
    ("FG-PMP-01", "Circulation pump 80 W", "WX", 0.08, "MOD-PMP-01",
     (("CMP-PHS-01", 1), ("CMP-LBL-01", 1), ("CMP-PKG-02", 1)), 12),
    ("FG-KIT-02", "Bearing service kit", "WX", 0.04, None,
     (("CMP-BRG-01", 2), ("CMP-BRG-02", 2), ("CMP-PKG-02", 1)), 50),
    ("FG-FAN-01", "EC fan 200 mm", "HF", 0.10, "MOD-FAN-01", (("CMP-HSG-01", 1), ("CMP-PKG-01", 1)), 40),
)
WIDE_RAW = ("SZ", "RM-MCU-A")
SITES = (("SZ", "Suzhou motor plant", "6901234"), ("WX", "Wuxi drives plant", "6901235"),
         ("HF", "Hefei fan plant", "6901236"))
ZONES = (("RCV", "Receiving dock", 2), ("IQC", "Incoming inspection", 2), ("RM", "Raw material store", 12),
         ("WIP", "Component and WIP store", 8), ("FG", "Finished goods store", 16), ("SHP", "Dispatch", 4))
STATIONS = ("CMP", "SMT", "AOI", "ICT", "BRN", "FCT", "REP", "ASM", "RUN", "EOL", "FIN", "FQC", "PACK")
# level → station it is built at, test route after it, seconds per piece, whether it waits in the WIP store
ROUTES = {"sub": ("SMT", ("AOI", "ICT", "BRN", "FCT"), 45, True), "module": ("ASM", ("RUN", "EOL"), 60, True),
          "finished": ("FIN", ("FQC", "PACK"), 50, False)}
REWORK = {"FCT": 0.08, "EOL": 0.03}  # share failing the test: to the repair bench and back
REGIONS = ("East China", "South China", "North China", "Central China", "Southwest China", "Northeast China",
           "Northwest China", "Southeast Asia", "Europe", "North America", "Middle East", "Latin America")
INDUSTRIES = ("Automation", "Packaging Machinery", "HVAC Systems", "Robotics", "Textile Machinery", "Pump Works")

# Bulk-written tables and the columns the generator fills, in foreign-key order (see _Sink._prepare for others).
COLUMNS = {
    "work_order": ("id", "code", "site_id", "item_id", "bom_id", "qty_planned", "status", "created_at"),
    "unit": ("id", "code", "kind", "item_id", "lot_no", "serial", "sscc", "lot_unit_id", "site_id", "status",
             "supplier_id", "supplier_lot", "work_order_id", "uom", "produced_on", "expires_on", "created_at",
             "version", "shipped_to"),
    "event": ("id", "type", "business_step", "disposition", "occurred_at", "recorded_at", "device_id", "user_id",
              "site_id", "location_id", "supplier_id", "customer_id", "work_order_id", "reference", "note",
              "attributes"),
    "event_line": ("id", "event_id", "unit_id", "role", "qty", "from_location_id", "to_location_id", "book_qty"),
    "genealogy_edge": ("id", "parent_id", "child_id", "kind", "qty", "event_id"),
    "container_content": ("id", "container_id", "unit_id", "site_id"),
    "stock_on_hand": ("id", "unit_id", "location_id", "qty", "site_id"),
}
SHIPPED_TO = COLUMNS["unit"].index("shipped_to")
NOT_SHIPPED = "[]"
SUBJECT, INPUT, OUTPUT, CONTENT = (r.value for r in (LineRole.SUBJECT, LineRole.INPUT, LineRole.OUTPUT,
                                                       LineRole.CONTENT))
TRANSFORM, AGGREGATE = EdgeKind.TRANSFORM.value, EdgeKind.AGGREGATE.value
RELEASED, CONSUMED, SHIPPED = UnitStatus.RELEASED.value, UnitStatus.CONSUMED.value, UnitStatus.SHIPPED.value
STEP = {t: BUSINESS_STEP[t] for t in EventType}
# Stages a batch reaches, by how close to the end of the year it started.
SUBS_ONLY, MODULES_DONE, FINISHED_IN_STOCK, SHIPPED_OUT = 1, 2, 3, 4


def generate(engine: Engine, *, units: int, seed: int = 42, console: Any = None) -> ScaleStats:
    """Writes about `units` units of history into an empty, migrated database and returns row counts, seconds,
    and the wide raw lot's code with the number of finished units it reaches. Raises Conflict when the
    database already holds units or sites; nothing is written then."""
    if units < 1000:
        raise ValueError(f"units={units}: the scale generator needs at least 1000 units to build a plant")
    started = time.perf_counter()
    with engine.connect() as conn:
        held = conn.execute(text("SELECT (SELECT COUNT(*) FROM unit), (SELECT COUNT(*) FROM site)")).one()
    if held[0] or held[1]:
        raise Conflict(f"Scale seeding needs an empty database; this one holds {held[0]} units and {held[1]} sites.",
                       units=held[0], sites=held[1])
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Outside any transaction: SQLite ignores these pragmas inside one.
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-2000000", "temp_store=MEMORY",
                           "journal_mode=MEMORY"):
                conn.exec_driver_sql(f"PRAGMA {pragma}")
        else:
            conn.exec_driver_sql("SET synchronous_commit = off")
        history = _History(conn, random.Random(seed), units)
        try:
            history.master_data()
            with _progress(console) as progress:
                history.run(progress)
            conn.commit()
            # What each unit reaches (backend/trace/reach_build.py), in bulk from the rows just written.
            reach_started = time.perf_counter()
            reached: dict[str, int | float] = {**rebuild(conn, progress=(
                lambda m: console.print(f"[dim]reachability: {m}[/]")) if console else None)}
            conn.commit()
            reached["reach_seconds"] = round(time.perf_counter() - reach_started, 1)
        finally:
            history.sink.close(raise_failure=False)  # idle already unless generating failed half-way
            conn.rollback()  # a failed load leaves what it committed; the settings below go back either way
            if sqlite:
                for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "cache_size=-2000"):
                    conn.exec_driver_sql(f"PRAGMA {pragma}")
            else:
                conn.exec_driver_sql("RESET synchronous_commit")
                conn.commit()
    _analyze(engine, console)
    stats: ScaleStats = {**history.counts(), **reached, "wide_raw_lot": history.wide_code,
                         "wide_raw_lot_finished": history.wide_finished(),
                         "seconds": round(time.perf_counter() - started, 1)}
    return stats


def _analyze(engine: Engine, console: Any) -> None:
    if console is not None:
        console.print("[dim]analyzing…[/]")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        return
    # VACUUM sets the visibility map after the bulk load, so index-only scans work as they would in a live
    # database; it cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in metadata.sorted_tables:
            conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table.name}"')


def _progress(console: Any) -> AbstractContextManager[Any]:
    if console is None:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


class _Sink:
    """Buffers generated rows per table; a writer thread writes them in foreign-key order while the next rows
    are generated (sqlite3 and psycopg release the GIL while the database works), committing every few
    million rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        self.written = dict.fromkeys(COLUMNS, 0)
        self._sql: dict[str, str] = {}
        self._shape: dict[str, Callable[[tuple[Any, ...]], tuple[Any, ...]] | None] = {}
        for name, cols in COLUMNS.items():
            self._prepare(name, cols)
        self._queue: queue.Queue[dict[str, list[tuple[Any, ...]]] | None] = queue.Queue(maxsize=3)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._write_all, name="scale-writer", daemon=True)
        self._thread.start()

    def _prepare(self, name: str, cols: tuple[str, ...]) -> None:
        """Columns the generator does not know get their scalar default, or are left to the database when it
        may fill them; a new required column without a default stops the load before anything is written."""
        table = metadata.tables[name]
        unknown = [c for c in cols if c not in table.c]
        if unknown:
            raise RuntimeError(f"backend/seed/scale.py is out of date: table {name} has no column {unknown}")
        extra_cols, extra = [], []
        for col in table.c:
            if col.name in cols:
                continue
            if col.default is not None and col.default.is_scalar:
                value = col.default.arg  # type: ignore[attr-defined]
                extra_cols.append(col.name)
                extra.append(value.value if isinstance(value, Enum) else value)
            elif not (col.nullable or col.server_default is not None):
                raise RuntimeError(f"backend/seed/scale.py is out of date: {name}.{col.name} is required and has "
                                   "no scalar default; teach the generator its value")
        names, tail = [*cols, *extra_cols], tuple(extra)
        if self.postgres:
            self._sql[name] = f"COPY {name} ({', '.join(names)}) FROM STDIN"
            self._shape[name] = (lambda row: row + tail) if tail else None
            return
        compiled = table.insert().compile(dialect=self.conn.dialect, column_keys=names)
        order = [names.index(key) for key in compiled.positiontup or ()]
        self._sql[name] = str(compiled)
        if order == list(range(len(names))):
            self._shape[name] = (lambda row: row + tail) if tail else None
        else:
            pick = itemgetter(*order)
            self._shape[name] = lambda row: pick(row + tail)

    def checkpoint(self) -> None:
        if any(len(rows) >= CHUNK_ROWS for rows in self.rows.values()):
            self.flush()

    def flush(self) -> None:
        if self._failure is not None:
            raise RuntimeError("writing generated rows failed") from self._failure
        chunk = {name: rows[:] for name, rows in self.rows.items() if rows}
        for rows in self.rows.values():
            rows.clear()  # in place: the generator holds bound `append`s
        self._queue.put(chunk)

    def close(self, *, raise_failure: bool = True) -> None:
        """Waits for every queued row to be written; raises what the writer ran into."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if raise_failure and self._failure is not None:
            raise RuntimeError("writing generated rows failed") from self._failure

    def _write_all(self) -> None:
        uncommitted = 0
        while (chunk := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # drain, so the generator never blocks on a dead writer
            try:
                for name, rows in chunk.items():  # dict order is foreign-key order
                    self._write(name, rows)
                    self.written[name] += len(rows)
                    uncommitted += len(rows)
                if uncommitted >= COMMIT_ROWS:
                    self.conn.commit()
                    uncommitted = 0
            except BaseException as exc:  # handed to the generating thread by flush() and close()
                self._failure = exc

    def _write(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        shape = self._shape[name]
        if shape is not None:
            rows = [shape(row) for row in rows]
        if not self.postgres:
            self.conn.exec_driver_sql(self._sql[name], rows)
            return
        with self.conn.connection.driver_connection.cursor() as cur, cur.copy(self._sql[name]) as copy:
            for row in rows:
                copy.write_row(row)


@dataclass(slots=True)
class _Part:
    part_no: str
    id: str
    uom: str
    level: str  # raw | component | sub | module | finished
    lots: tuple[tuple[str, float], ...] = ()
    serials: tuple[str, ...] = ()
    lot_range: tuple[int, int] = (0, 0)
    shelf_life_days: int | None = None
    supplier_id: str | None = None
    bom_id: str | None = None
    module: str | None = None
    carton: int = 0
    counter: int = 0


@dataclass(slots=True)
class _Lot:
    id: str
    code: str
    bin: str  # where its not yet picked stock waits
    left: float  # not yet picked


@dataclass(slots=True)
class _Site:
    code: str
    id: str
    prefix: str  # GS1 company prefix for its SSCCs
    bins: dict[str, list[str]] = field(default_factory=dict)
    station: dict[str, str] = field(default_factory=dict)
    sscc: int = 0
    wo: int = 0


@dataclass(slots=True)
class _Batch:
    part: _Part
    site: _Site
    qty: int
    t0: int
    stage: int


class _Cursor:
    """Hands out the picked lot segments of one component, piece by piece, in pick order."""

    __slots__ = ("i", "left", "segs")

    def __init__(self, segs: list[tuple[_Lot, float]]) -> None:
        self.segs = segs
        self.i = 0
        self.left = segs[0][1]

    def take(self, qty: float) -> list[tuple[_Lot, float]]:
        out = []
        while qty > EPS:
            lot = self.segs[self.i][0]
            q = min(qty, self.left)
            out.append((lot, q))
            qty = round(qty - q, 9)
            self.left = round(self.left - q, 9)
            if self.left <= EPS:
                self.i += 1
                self.left = self.segs[self.i][1] if self.i < len(self.segs) else 0.0
        return out


class _History:
    """The plant and its year of history. Every event, line and edge goes through `_event`, `_line` and `_edge`,
    which keep the stock and the wide lot's reach as they go."""

    def __init__(self, conn: Connection, rng: random.Random, units: int) -> None:
        self.conn = conn
        self.rng = rng
        self.units = units
        self.sink = _Sink(conn)
        self.tz = "+00" if self.sink.postgres else ""
        rows = self.sink.rows
        self._add_event, self._add_line = rows["event"].append, rows["event_line"].append
        self._add_edge, self._add_unit = rows["genealogy_edge"].append, rows["unit"].append
        self._bits = rng.getrandbits
        self._start_ms = int(START.timestamp() * 1000)
        self._id_t, self._id_prefix = -1, ""
        self._days: dict[int, str] = {}
        self.parts: dict[str, _Part] = {}
        self.sites: dict[str, _Site] = {}
        self.site_of_location: dict[str, str] = {}
        self.customers: list[str] = []
        self.customer_weights: list[float] = []
        self.stock: dict[tuple[str, str], float] = {}
        self.total: dict[str, float] = {}
        self.streams: dict[tuple[str, str], deque[_Lot]] = {}
        self.bin_lots: dict[str, list[_Lot]] = {}
        self.consumed_lots: dict[str, None] = {}
        self.wide: set[str] = set()
        self.wide_parents: set[str] = set()
        self.wide_code = ""
        self.wide_qty = 0.0
        self.master: dict[str, int] = {}
        self._n = 0  # events so far: picks devices and the odd offline upload without spending random numbers

    # -- ids, times ------------------------------------------------------------------------------------------
    def _id(self, t: int) -> str:
        """A UUIDv7-shaped id from the rng: time-ordered, so bulk inserts append to the indexes."""
        if t != self._id_t:
            h = f"{self._start_ms + t * 1000:012x}"
            self._id_t, self._id_prefix = t, f"{h[:8]}-{h[8:]}-7"
        bits = self._bits(74)
        low = f"{(1 << 63) | (bits & 0x3FFFFFFFFFFFFFFF):016x}"  # variant 10, then 62 random bits
        return f"{self._id_prefix}{bits >> 62:03x}-{low[:4]}-{low[4:]}"

    def _date(self, t: int) -> str:
        d = t // DAY
        s = self._days.get(d)
        if s is None:
            s = self._days[d] = (START.date() + timedelta(days=d)).isoformat()
        return s

    def _stamp(self, t: int) -> str:
        d, s = divmod(t, DAY)
        day = self._days.get(d) or self._date(t)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{day} {h:02d}:{m:02d}:{s:02d}.000000{self.tz}"

    # -- master data -----------------------------------------------------------------------------------------
    def master_data(self) -> None:
        rng, conn, now = self.rng, self.conn, START - timedelta(days=60)

        def put(table: str, rows: list[dict[str, Any]]) -> None:
            conn.execute(metadata.tables[table].insert(), rows)
            self.master[table] = self.master.get(table, 0) + len(rows)

        base = {"version": 1, "updated_at": now}
        sites, zones, bins, equipment = [], [], [], []
        for code, name, prefix in SITES:
            site = _Site(code, self._id(0), prefix)
            self.sites[code] = site
            sites.append({**base, "id": site.id, "code": code, "name": name, "gln": _gs1(prefix + "00000")})
            for zone, zone_name, count in (*ZONES, ("LINE", "Production line", 0)):
                zone_id = self._id(0)
                zones.append({**base, "id": zone_id, "site_id": site.id, "parent_id": None, "kind": "zone",
                              "code": f"{code}-{zone}", "name": f"{name}: {zone_name}", "gln": None})
                names = STATIONS if zone == "LINE" else [f"{n:02d}" for n in range(1, count + 1)]
                site.bins[zone] = []
                for n in names:
                    bin_id = self._id(0)
                    gln = _gs1(prefix + f"{len(bins) + 1:05d}") if zone in ("RCV", "SHP") else None
                    bins.append({**base, "id": bin_id, "site_id": site.id, "parent_id": zone_id, "kind": "bin",
                                 "code": f"{code}-{zone}-{n}", "name": f"{zone_name} {n}", "gln": gln})
                    self.site_of_location[bin_id] = site.id
                    site.bins[zone].append(bin_id)
                    if zone == "LINE":
                        site.station[n] = bin_id
            for kind, eq_name in (("smt", "SMT line"), ("aoi", "AOI"), ("ict", "In-circuit tester"),
                                  ("molding", "Injection molding cell"), ("winding", "Coil winder"),
                                  ("eol", "End-of-line tester")):
                equipment.append({**base, "id": self._id(0), "site_id": site.id, "code": f"{code}-EQ-{kind.upper()}",
                                  "name": f"{eq_name} {code}", "kind": kind})
        put("site", sites)
        put("location", zones)
        put("location", bins)
        put("equipment", equipment)

        suppliers, by_trade = [], {}
        for n in range(25):
            trade = TRADES[n % len(TRADES)]
            sup_id = self._id(0)
            suppliers.append({**base, "id": sup_id, "code": f"SUP-{n + 1:03d}", "gln": None, "contact": "",
                              "name": f"{CITIES[n % len(CITIES)]} {trade} Co., Ltd."})
            by_trade.setdefault(trade, []).append(sup_id)
        put("supplier", suppliers)

        customers = []
        for n in range(18):
            customers.append({**base, "id": self._id(0), "code": f"CUS-{n + 1:03d}", "kind": "customer", "gln": None,
                              "name": f"{CITIES[(n * 7) % len(CITIES)]} {INDUSTRIES[n % len(INDUSTRIES)]} Co., Ltd.",
                              "regions": [REGIONS[n % 7]], "channels": ["oem"], "contact": ""})
        for n, region in enumerate(REGIONS):
            short = "".join(w[0] for w in region.split())
            customers.append({**base, "id": self._id(0), "code": f"DST-{short}{n + 1:02d}", "kind": "distributor",
                              "gln": None, "name": f"{region} Motion Distribution", "regions": [region],
                              "channels": ["distribution", "online"] if n % 3 == 0 else ["distribution"],
                              "contact": ""})
        put("customer", customers)
        self.customers = [c["id"] for c in customers]
        self.customer_weights = [1 / (k + 1) for k in range(len(customers))]
        rng.shuffle(self.customer_weights)

        items, boms, bom_lines = [], [], []
        gtin = 0

        def item(part: _Part, name: str, tracking: str, *, needs_iqc: bool = False, spec: str = "") -> None:
            nonlocal gtin
            self.parts[part.part_no] = part
            code = None
            if part.level == "finished":
                gtin += 1
                code = _gs1("0" + SITES[0][2] + f"{gtin:05d}")
            items.append({**base, "id": part.id, "part_no": part.part_no, "gtin": code, "name": name, "spec": spec,
                          "uom": part.uom, "tracking": tracking, "shelf_life_days": part.shelf_life_days,
                          "needs_iqc": needs_iqc})
            inputs = [(s, 1.0) for s in part.serials] + list(part.lots)
            if inputs:
                part.bom_id = self._id(0)
                boms.append({"id": part.bom_id, "item_id": part.id, "version_no": 1, "status": "released",
                             "note": "", "created_at": now, "released_at": now})
                bom_lines.extend({"id": self._id(0), "bom_id": part.bom_id, "component_item_id": self.parts[c].id,
                                  "qty_per": q} for c, q in inputs)

        for family, name, uom, lot_range, shelf, iqc, trade in RAW_FAMILIES:
            for g, grade in enumerate("ABC"):
                part = _Part(f"RM-{family}-{grade}", self._id(0), uom, "raw", lot_range=lot_range,
                             shelf_life_days=shelf, supplier_id=by_trade[trade][g % len(by_trade[trade])])
                item(part, f"{name}, grade {grade}", "lot", needs_iqc=iqc)
        for part_no, name, lot_range, lots in COMPONENTS:
            item(_Part(part_no, self._id(0), "pcs", "component", lots=lots, lot_range=lot_range), name, "lot")
        for part_no, name, serials, lots in SUBS:
            item(_Part(part_no, self._id(0), "pcs", "sub", lots=lots, serials=serials), name, "serial")
        for part_no, name, serials, lots in MODULES:
            item(_Part(part_no, self._id(0), "pcs", "module", lots=lots, serials=serials), name, "serial")
        for part_no, name, _site, _share, module, lots, carton in FINISHED:
            part = _Part(part_no, self._id(0), "pcs", "finished", lots=lots, serials=(module,) if module else (),
                         module=module, carton=carton)
            item(part, name, "serial", spec="IP65, CE, CCC" if module else "")
        put("item", items)
        put("bom", boms)
        put("bom_line", bom_lines)

    # -- the year --------------------------------------------------------------------------------------------
    def run(self, progress: Any) -> None:
        batches = self._plan()
        task = progress.add_task("generating history", total=len(batches)) if progress is not None else None
        for n, batch in enumerate(batches):
            self._batch(batch)
            if n % 3 == 0:
                self._cycle_count(batch.site, batch.t0 - 3 * 3600)
            self.sink.checkpoint()
            if task is not None:
                progress.advance(task)
        end = END_S + 14 * DAY
        add = self.sink.rows["stock_on_hand"].append
        for (unit_id, location_id), qty in self.stock.items():
            if qty > EPS:
                add((self._id(end), unit_id, location_id, qty, self.site_of_location[location_id]))
        self.sink.flush()
        self.sink.close()
        if self.consumed_lots:  # lots are written when made; their status settles only when they run out
            self.conn.execute(text("UPDATE unit SET status = :s WHERE id = :id"),
                              [{"s": CONSUMED, "id": lot_id} for lot_id in self.consumed_lots])

    def _plan(self) -> list[_Batch]:
        """Batches of finished units spread over the year; the wide raw lot is sized to reach its share."""
        rng = self.rng
        per_finished = {}
        for part_no, _name, _site, share, module, _lots, carton in FINISHED:
            subs = len(self.parts[module].serials) + 1 if module else 0
            per_finished[part_no] = (share, 1 + 1 / carton + subs)
        target = self.units / sum(s * u for s, u in per_finished.values()) * 0.995
        scale = min(1.0, self.units / 200_000)
        shares = {self.parts[f[0]].part_no: f[3] for f in FINISHED}
        built = dict.fromkeys(shares, 0)
        planned: list[tuple[_Part, int]] = []
        made = 0
        while made < target:
            # The product furthest behind its share goes next: the mix holds at any scale.
            part = self.parts[max(shares, key=lambda p: shares[p] * (made + 1) - built[p])]
            n = rng.randint(max(part.carton, round(200 * scale)), max(2 * part.carton, round(700 * scale)))
            planned.append((part, n))
            built[part.part_no] += n
            made += n
        batches, before = [], 0
        for part, n in planned:
            t0 = FIRST_BATCH_S + int(before / made * SPAN_S) + rng.randint(0, 3600)
            left_days = (END_S - t0) / DAY
            stage = (SUBS_ONLY if left_days < 2 else MODULES_DONE if left_days < 4 else
                     FINISHED_IN_STOCK if left_days < 14 else SHIPPED_OUT)
            if part.module is None:
                stage = max(stage, FINISHED_IN_STOCK)
            site = next(self.sites[f[2]] for f in FINISHED if f[0] == part.part_no)
            batches.append(_Batch(part, site, n, t0, stage))
            before += n
        reached, boards, goal = 0, 0, WIDE_SHARE * self.units * 1.05
        for b in batches:
            if b.site.code == WIDE_RAW[0] and b.part.module is not None and reached < goal:
                boards += b.qty
                reached += b.qty if b.stage >= FINISHED_IN_STOCK else 0
        self.wide_qty = float(boards)  # one MCU per controller board, one board per finished unit
        return batches

    def _batch(self, b: _Batch) -> None:
        pending: dict[str, list[Any]] = {}  # unit rows of this batch, written once their status is settled
        if b.part.module is not None:
            module = self.parts[b.part.module]
            inputs: list[list[str]] = [[] for _ in range(b.qty)]
            for k, sub_no in enumerate(module.serials):
                for i, sub in enumerate(self._build(self.parts[sub_no], b.site, b.qty, b.t0 + k * 1800, pending)):
                    inputs[i].append(sub)
            finished = []
            if b.stage >= MODULES_DONE:
                modules = self._build(module, b.site, b.qty, b.t0 + DAY, pending, inputs)
                if b.stage >= FINISHED_IN_STOCK:
                    finished = self._build(b.part, b.site, b.qty, b.t0 + 2 * DAY, pending, [[m] for m in modules])
        else:
            finished = self._build(b.part, b.site, b.qty, b.t0, pending)
        if finished:
            self._pack_and_ship(b, finished, pending)
        for row in pending.values():
            self._add_unit(tuple(row))

    # -- shop-floor actions ----------------------------------------------------------------------------------
    def _event(self, kind: EventType, t: int, site: _Site, location: str | None, *, supplier: str | None = None,
               customer: str | None = None, work_order: str | None = None, reference: str = "",
               attributes: str = "") -> str:
        self._n += 1
        n = self._n
        delay = 600 + (n * 7919) % 28_000 if n % 53 == 0 else 1 + n % 47  # the odd handheld syncs hours late
        device = f"MES-{site.code}" if kind is EventType.PRODUCE else f"HH-{site.code}-{n % 12 + 1:02d}"
        eid = self._id(t)
        self._add_event((eid, kind.value, STEP[kind], "", self._stamp(t), self._stamp(t + delay), device, None,
                         site.id, location, supplier, customer, work_order, reference, "",
                         f'{{{attributes}"fingerprint": "{self._bits(256):064x}"}}'))
        return eid

    def _line(self, event_id: str, t: int, unit_id: str, role: str, qty: float, source: str | None,
              target: str | None, book_qty: float | None = None) -> None:
        self._add_line((self._id(t), event_id, unit_id, role, qty, source, target, book_qty))
        stock, total = self.stock, self.total
        if source is not None:
            key = (unit_id, source)
            have = stock.get(key, 0.0)
            if have + EPS < qty:
                raise RuntimeError(f"generator bug: {qty} of {unit_id} taken from {source} holding {have}")
            left = round(have - qty, 9)
            if left > EPS:
                stock[key] = left
            else:
                del stock[key]
            total[unit_id] = round(total[unit_id] - qty, 9)
        if target is not None:
            key = (unit_id, target)
            stock[key] = round(stock.get(key, 0.0) + qty, 9)
            total[unit_id] = round(total.get(unit_id, 0.0) + qty, 9)

    def _edge(self, parent: str, child: str, qty: float, event_id: str, t: int, kind: str = TRANSFORM) -> None:
        self._add_edge((self._id(t), parent, child, kind, qty, event_id))
        if kind == TRANSFORM and parent in self.wide:
            self.wide_parents.add(parent)

    def _relocate(self, kind: EventType, t: int, site: _Site, unit_id: str, qty: float, source: str, target: str,
                  reference: str = "", contents: Sequence[str] = ()) -> str:
        eid = self._event(kind, t, site, target, reference=reference)
        self._line(eid, t, unit_id, SUBJECT, qty, source, target)
        for inner in contents:
            self._line(eid, t, inner, CONTENT, 1.0, source, target)
        return eid

    def _work_order(self, part: _Part, site: _Site, qty: float, t: int, open_: bool = False) -> tuple[str, str]:
        site.wo += 1
        wo_id, code = self._id(t), f"WO-{site.code}-{self._date(t)[2:4]}-{site.wo:06d}"
        self.sink.rows["work_order"].append((wo_id, code, site.id, part.id, part.bom_id, qty,
                                             "open" if open_ else "closed", self._stamp(t - 3600)))
        return wo_id, code

    def _allocate(self, site: _Site, part: _Part, qty: float, t0: int) -> list[tuple[_Lot, float]]:
        """Takes `qty` from the site's lots of `part`, oldest first, making or receiving lots as they run out."""
        stream = self.streams.setdefault((site.code, part.part_no), deque())
        segs = []
        qty = round(qty, 6)
        while qty > EPS:
            if not stream:
                stream.append(self._receive(site, part, t0) if part.level == "raw" else self._make_lot(site, part, t0))
            lot = stream[0]
            take = min(lot.left, qty)
            if take > EPS:
                segs.append((lot, take))
                lot.left = round(lot.left - take, 6)
                qty = round(qty - take, 6)
            if lot.left <= EPS:
                stream.popleft()
        return segs

    def _receive(self, site: _Site, part: _Part, t_need: int) -> _Lot:
        rng = self.rng
        t = t_need - rng.randint(3 * DAY, 8 * DAY)
        wide = (site.code, part.part_no) == WIDE_RAW and not self.wide_code
        qty = self.wide_qty if wide else float(rng.randint(*part.lot_range))
        part.counter += 1
        lot_no = f"{self._date(t)[2:7].replace('-', '')}{site.code[0]}{part.counter:04d}"
        supplier_lot = f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randint(10000, 99999)}"
        uid, code = self._id(t), f"{part.part_no}/{lot_no}"
        made = date.fromisoformat(self._date(t)) - timedelta(days=rng.randint(10, 60))
        expires = made + timedelta(days=part.shelf_life_days) if part.shelf_life_days else None
        self._add_unit((uid, code, UnitKind.LOT.value, part.id, lot_no, None, None, None, site.id, RELEASED,
                        part.supplier_id, supplier_lot, None, part.uom, made.isoformat(),
                        expires.isoformat() if expires else None, self._stamp(t), 1, NOT_SHIPPED))
        dock, iqc = site.bins["RCV"][t % 2], site.bins["IQC"][t % 2]
        store = site.bins["RM"][self._bin_of(part, 12)]
        eid = self._event(EventType.RECEIVE, t, site, dock, supplier=part.supplier_id, reference=f"ASN-{supplier_lot}")
        self._line(eid, t, uid, SUBJECT, qty, None, dock)
        self._relocate(EventType.MOVE, t + 2 * 3600, site, uid, qty, dock, iqc)
        self._relocate(EventType.MOVE, t + DAY, site, uid, qty, iqc, store)
        lot = _Lot(uid, code, store, qty)
        self.bin_lots.setdefault(store, []).append(lot)
        if wide:
            self.wide.add(uid)
            self.wide_code = code
        return lot

    def _bin_of(self, part: _Part, bins: int) -> int:
        return sum(map(ord, part.part_no)) % bins

    def _make_lot(self, site: _Site, part: _Part, t0: int) -> _Lot:
        """A component lot made from raw lots picked to the component cell, put into the WIP store."""
        rng = self.rng
        t = t0 - int(1.5 * DAY) - rng.randint(0, DAY)
        qty = float(rng.randint(*part.lot_range))
        wo_id, wo_code = self._work_order(part, site, qty, t)
        cell, store = site.station["CMP"], site.bins["WIP"][self._bin_of(part, 6)]
        inputs: list[tuple[_Lot, float]] = []
        for raw_no, per in part.lots:
            for lot, take in self._allocate(site, self.parts[raw_no], qty * per, t):
                self._relocate(EventType.PICK, t - 2 * 3600, site, lot.id, take, lot.bin, cell, f"PL-{wo_code}")
                inputs.append((lot, take))
        part.counter += 1
        lot_no = f"{self._date(t)[2:10].replace('-', '')}{site.code[0]}{part.counter:03d}"
        uid, code = self._id(t), f"{part.part_no}/{lot_no}"
        eid = self._event(EventType.PRODUCE, t, site, store, work_order=wo_id)
        for lot, take in inputs:
            self._consume(eid, t, lot, take, cell, uid)
        self._line(eid, t, uid, OUTPUT, qty, None, store)
        self._add_unit((uid, code, UnitKind.LOT.value, part.id, lot_no, None, None, None, site.id, RELEASED, None,
                        None, wo_id, part.uom, self._date(t), None, self._stamp(t), 1, NOT_SHIPPED))
        if any(lot.id in self.wide for lot, _ in inputs):
            self.wide.add(uid)
        return _Lot(uid, code, store, qty)

    def _consume(self, eid: str, t: int, lot: _Lot, qty: float, line_bin: str, output: str) -> None:
        self._line(eid, t, lot.id, INPUT, qty, line_bin, None)
        self._edge(lot.id, output, qty, eid, t)
        if lot.left <= EPS and self.total.get(lot.id, 0.0) <= EPS:
            self.consumed_lots[lot.id] = None

    def _build(self, part: _Part, site: _Site, count: int, t_start: int, pending: dict[str, list[Any]],
               serial_inputs: list[list[str]] | None = None) -> list[str]:
        """`count` serial units of `part`, each one produce event, then its test route; returns their ids."""
        station, route, cycle, to_store = ROUTES[part.level]
        wo_id, wo_code = self._work_order(part, site, count, t_start)
        line_bin, store, rng = site.station[station], site.bins["WIP"][7], self.rng
        cursors = []
        for comp_no, per in part.lots:
            segs = self._allocate(site, self.parts[comp_no], count * per, t_start)
            for lot, take in segs:
                self._relocate(EventType.PICK, t_start - 3600, site, lot.id, take, lot.bin, line_bin, f"PL-{wo_code}")
            cursors.append((per, _Cursor(segs)))
        if serial_inputs:
            for i, group in enumerate(serial_inputs):
                for unit_id in group:
                    self._relocate(EventType.PICK, t_start - 1800 + i * 20, site, unit_id, 1.0, store, line_bin,
                                   f"PL-{wo_code}")
        wide, made, yy = self.wide, [], self._date(t_start)[2:4]
        t = t_start
        for i in range(count):
            t += cycle
            uid = self._id(t)
            eid = self._event(EventType.PRODUCE, t, site, line_bin, work_order=wo_id)
            reached = False
            for unit_id in serial_inputs[i] if serial_inputs else ():
                self._line(eid, t, unit_id, INPUT, 1.0, line_bin, None)
                self._edge(unit_id, uid, 1.0, eid, t)
                pending[unit_id][9] = CONSUMED
                reached = reached or unit_id in wide
            for per, cursor in cursors:
                for lot, q in cursor.take(per):
                    self._consume(eid, t, lot, q, line_bin, uid)
                    reached = reached or lot.id in wide
            self._line(eid, t, uid, OUTPUT, 1.0, None, line_bin)
            if reached:
                wide.add(uid)
            part.counter += 1
            serial = f"{site.code}{yy}{part.counter:07d}"
            pending[uid] = [uid, f"{part.part_no}/{serial}", UnitKind.SERIAL.value, part.id, None, serial, None, None,
                            site.id, RELEASED, None, None, wo_id, part.uom, self._date(t), None, self._stamp(t), 1,
                            NOT_SHIPPED]
            here, tt = line_bin, t
            for name in route:
                tt += rng.randint(480, 1500)
                self._relocate(EventType.MOVE, tt, site, uid, 1.0, here, site.station[name])
                here = site.station[name]
                if name in REWORK and rng.random() < REWORK[name]:
                    self._relocate(EventType.MOVE, tt + 600, site, uid, 1.0, here, site.station["REP"])
                    tt += rng.randint(1800, 7200)
                    self._relocate(EventType.MOVE, tt, site, uid, 1.0, site.station["REP"], here)
            if to_store:
                self._relocate(EventType.MOVE, tt + 3600, site, uid, 1.0, here, store)
            made.append(uid)
        return made

    def _pack_and_ship(self, b: _Batch, finished: list[str], pending: dict[str, list[Any]]) -> None:
        rng, site, carton = self.rng, b.site, b.part.carton
        pack, fg_bins = site.station["PACK"], site.bins["FG"]
        add_content = self.sink.rows["container_content"].append
        t = b.t0 + (2 * DAY if b.part.module else 0) + len(finished) * 50 + 1800
        cartons: list[tuple[str, list[str], str]] = []
        for k in range(len(finished) // carton):
            group = finished[k * carton:(k + 1) * carton]
            t += 180
            site.sscc += 1
            body = f"0{site.prefix}{site.sscc:09d}"
            sscc = body + str(compute_check_digit(body))
            cid = self._id(t)
            eid = self._event(EventType.PACK, t, site, pack, attributes=f'"sscc": "{sscc}", ')
            pending[cid] = [cid, sscc, UnitKind.CONTAINER.value, None, None, None, sscc, None, site.id, RELEASED,
                            None, None, None, "pcs", None, None, self._stamp(t), 1, NOT_SHIPPED]
            self._line(eid, t, cid, SUBJECT, 1.0, None, pack)
            for unit_id in group:
                self._line(eid, t, unit_id, CONTENT, 1.0, None, None)
                add_content((self._id(t), cid, unit_id, site.id))
                self._edge(unit_id, cid, 1.0, eid, t, AGGREGATE)
            fg_bin = fg_bins[rng.randrange(len(fg_bins))]
            self._relocate(EventType.MOVE, t + 600, site, cid, 1.0, pack, fg_bin, contents=group)
            cartons.append((cid, group, fg_bin))
        for unit_id in finished[len(cartons) * carton:]:  # a part carton's worth stays loose on the shelf
            self._relocate(EventType.MOVE, t + 900, site, unit_id, 1.0, pack, fg_bins[0])
        if b.stage < SHIPPED_OUT:
            return
        to_ship = [c for c in cartons if rng.random() >= 0.02]  # a few cartons held back as safety stock
        t += rng.randint(DAY, 6 * DAY)
        dock = site.bins["SHP"]
        while to_ship:
            size = min(len(to_ship), rng.randint(1, 6))
            shipment, to_ship = to_ship[:size], to_ship[size:]
            customer = rng.choices(self.customers, self.customer_weights)[0]
            site.wo += 1
            reference = f"DN-{site.code}-{self._date(t)[2:4]}{site.wo:06d}"
            bay = dock[rng.randrange(len(dock))]
            for cid, group, fg_bin in shipment:
                self._relocate(EventType.PICK, t - 3600, site, cid, 1.0, fg_bin, bay, reference, contents=group)
            eid = self._event(EventType.SHIP, t, site, None, customer=customer, reference=reference)
            shipped_to = json.dumps([customer])
            for cid, group, _ in shipment:
                self._line(eid, t, cid, SUBJECT, 1.0, bay, None)
                pending[cid][9], pending[cid][SHIPPED_TO] = SHIPPED, shipped_to
                for unit_id in group:
                    self._line(eid, t, unit_id, CONTENT, 1.0, bay, None)
                    pending[unit_id][9], pending[unit_id][SHIPPED_TO] = SHIPPED, shipped_to
            t += rng.randint(1800, 4 * 3600)

    def _cycle_count(self, site: _Site, t: int) -> None:
        """Counts one raw-material bin; now and then the count finds a little less or more than the book."""
        rng = self.rng
        store = site.bins["RM"][rng.randrange(12)]
        lots = [lot for lot in self.bin_lots.get(store, []) if lot.left > EPS]
        self.bin_lots[store] = lots
        if not lots:
            return
        counted, lines = [], []
        for lot in lots:
            book = self.stock.get((lot.id, store), 0.0)
            roll = rng.random()
            adjustment = 0.0
            if roll < 0.12 and book >= 500:
                adjustment = -float(max(1, round(book * 0.001)))
            elif roll > 0.92:
                adjustment = float(max(1, round(book * 0.0005)))
            lot.left = round(lot.left + adjustment, 6)
            lines.append((lot.id, adjustment, book))
            counted.append({"unit": lot.code, "counted": round(book + adjustment, 6), "book_seen": book,
                            "book_at_count": book, "adjustment": adjustment})
        attributes = json.dumps({"lines": counted})[1:-1] + ", "
        site.wo += 1
        eid = self._event(EventType.COUNT, t, site, store, reference=f"CC-{site.code}-{site.wo:06d}",
                          attributes=attributes)
        for unit_id, adjustment, book in lines:
            if adjustment >= 0:
                self._line(eid, t, unit_id, SUBJECT, adjustment, None, store, book)
            else:
                self._line(eid, t, unit_id, SUBJECT, -adjustment, store, None, book)

    # -- results ---------------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {**self.master, **self.sink.written}

    def wide_finished(self) -> int:
        """Reached units that went into nothing further: what recall scope counts as finished."""
        return len(self.wide) - len(self.wide_parents)


def _gs1(body: str) -> str:
    return body + str(compute_check_digit(body))
