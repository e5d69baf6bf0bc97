"""The `lotline` command: demo, serve, db upgrade, seed, trace, recall-scope, users and keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from backend.auth.principal import SYSTEM
from backend.config import Settings
from backend.db import make_engine, session_scope
from backend.migrate import current_revision, upgrade

app = typer.Typer(help="Lotline quality traceability (质量追溯系统).", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.")
keys_app = typer.Typer(help="Token signing keys.")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="LOTLINE_DATA_DIR",
                                              help="Folder for the embedded SQLite file and keys.")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", envvar="LOTLINE_DATABASE_URL",
                                                 help="postgresql://… to run on PostgreSQL instead.")]


def _settings(data_dir: Path | None, database_url: str | None) -> Settings:
    from backend import hooks
    from backend.sync import RECORDER

    RECORDER.install()  # writes made from the CLI reach handhelds like any other
    hooks.install()
    return Settings.from_env(data_dir=data_dir, database_url=database_url)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply every schema migration."""
    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.url)
    upgrade(engine)
    console.print(f"schema at revision [bold]{current_revision(engine)}[/] on {engine.url.render_as_string()}")


@app.command()
def seed(scale: Annotated[int | None, typer.Option(help="Generate this many units for benchmarks.")] = None,
         data_dir: DataDir = None, database_url: DatabaseUrl = None,
         seed_value: Annotated[int, typer.Option("--seed", help="Random seed for --scale.")] = 42) -> None:
    """Load the demo plant, or with --scale N generate N units of realistic history."""
    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.url)
    upgrade(engine)
    if scale:
        from backend.seed.scale import generate

        stats = generate(engine, units=scale, seed=seed_value, console=console)
        console.print(stats)
        return
    from backend.seed.demo import is_seeded, seed_demo

    with session_scope(engine) as session:
        if is_seeded(session):
            console.print("[yellow]already seeded; nothing done[/]")
            return
        with console.status("seeding the demo plant") as status:
            stats = seed_demo(session, progress=lambda step: status.update(f"seeding the demo plant: {step}"))
    console.print(f"demo plant loaded: {stats['events']} events")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
          database_url: DatabaseUrl = None) -> None:
    """Run the backend API."""
    import uvicorn

    from backend.app import create_app, settle_heap

    settings = _settings(data_dir, database_url)
    api = create_app(settings)
    settle_heap()
    uvicorn.run(api, host=host, port=port, log_level="info")


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
         no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare only, don't start.")] = False,
         handheld_port: Annotated[int, typer.Option(help="Port of the handheld web app (0: don't start it).")] = 8550,
         ) -> None:
    """Migrate, seed the demo plant (once), print URLs and logins, and serve the backend and the handheld app."""
    from backend.seed.demo import load_plant_file

    db_upgrade(data_dir, None)
    seed(None, data_dir, None)
    plant = load_plant_file()
    table = Table(title="Demo logins", show_lines=False)
    for col in ("user", "password", "role", "scope"):
        table.add_column(col)
    for u in plant["users"]:
        table.add_row(u["username"], plant["demo_password"], u["role"], u.get("site") or u.get("customer") or "all")
    console.print(table)
    base = f"http://{host}:{port}"
    console.print(f"Backend API   {base}/api   (OpenAPI docs: {base}/schema/swagger)")
    if handheld_port:
        console.print(f"Handheld app  http://{host}:{handheld_port}   (log in as picker, inspector, engineer, "
                      f"distributor or qa; password {plant['demo_password']})")
    console.print("Try           lotline trace FG-MTR-01/SN26000001   |   lotline recall-scope RM-PC-01/PC2610-A")
    if no_serve:
        return
    if not handheld_port:
        serve(host, port, data_dir, None)
        return
    _serve_with_handheld(host, port, handheld_port, data_dir)


def _serve_with_handheld(host: str, port: int, handheld_port: int, data_dir: Path | None) -> None:
    """The backend in a thread, the handheld (Flet web) in the main thread, which owns Ctrl-C; stopping the
    handheld stops the backend too."""
    import threading

    import uvicorn

    from backend.app import create_app, settle_heap
    from mobile.app import run_web

    settings = _settings(data_dir, None)
    backend = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="info",
                                            timeout_graceful_shutdown=2))
    settle_heap()
    thread = threading.Thread(target=backend.run, name="lotline-backend", daemon=True)
    thread.start()
    try:
        run_web(handheld_port, f"http://{host}:{port}", settings.data_dir / "handheld", host=host)
    finally:
        backend.should_exit = True
        thread.join(timeout=10)
        console.print("backend and handheld stopped")


@app.command()
def trace(code: str, direction: Annotated[str, typer.Option(help="backward or forward")] = "backward",
          depth: int = 12, as_json: Annotated[bool, typer.Option("--json")] = False,
          data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Where did CODE come from (backward) or where did it go (forward)."""
    from backend.trace.service import trace as run_trace
    from shared_models.enums import Direction

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        graph = run_trace(session, SYSTEM, code, Direction(direction), max_depth=depth,
                          max_nodes=settings.trace_max_nodes)
    if as_json:
        console.print_json(graph.model_dump_json())
        return
    nodes = {n.id: n for n in graph.nodes}
    links: dict[str, list[tuple[str, float]]] = {}
    for e in graph.edges:
        a, b = (e.child_id, e.parent_id) if direction == "backward" else (e.parent_id, e.child_id)
        links.setdefault(a, []).append((b, e.qty))

    def label(node_id: str, qty: float | None = None) -> str:
        n = nodes[node_id]
        extra = f" ×{qty:g}" if qty is not None else ""
        supplier = f" ← {n.supplier} {n.supplier_lot or ''}" if n.supplier else ""
        return f"[bold]{n.code}[/] {n.item_name or n.kind} [dim]{n.status}{extra}{supplier}[/]"

    def grow(tree: Tree, node_id: str, seen: frozenset[str]) -> None:
        for child, qty in links.get(node_id, []):
            if child in seen:
                continue
            grow(tree.add(label(child, qty)), child, seen | {child})

    root = Tree(label(graph.root.id))
    grow(root, graph.root.id, frozenset({graph.root.id}))
    console.print(root)
    for c in graph.customers:
        console.print(f"shipped to [bold]{c.code}[/] {c.name}: {c.units} units in {c.shipments} shipment(s)")
    if graph.truncated:
        console.print(f"[yellow]{graph.total_nodes} units in all; showing {len(graph.nodes)}[/]")


@app.command("recall-scope")
def recall_scope(codes: list[str], as_json: Annotated[bool, typer.Option("--json")] = False, depth: int = 12,
                 data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """What a recall of CODES reaches: finished units, stock to block, customers to notify."""
    from backend.recall.scope import recall_scope as run_scope

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        scope = run_scope(session, SYSTEM, codes, max_depth=depth, list_limit=20)
    if as_json:
        console.print_json(scope.model_dump_json())
        return
    t = scope.totals
    console.print(f"[bold]Recall scope of {', '.join(scope.seeds)}[/]: {t.units_in_scope} units reached, "
                  f"{t.finished_units} finished, {t.in_stock_units} still in stock, {t.shipped_units} shipped "
                  f"to {t.customers} customer(s)")
    stock = Table("site", "location", "units", "qty", title="Still in stock (to block)")
    for s in scope.in_stock:
        stock.add_row(s.site, s.location, str(s.units), f"{s.qty:g}")
    console.print(stock)
    shipped = Table("customer", "name", "kind", "shipments", "units", "last shipped", title="Shipped (to notify)")
    for c in scope.shipped:
        shipped.add_row(c.code, c.name, c.kind, str(c.shipments), str(c.units), c.last_shipped_at.date().isoformat())
    console.print(shipped)


@app.command("user-add")
def user_add(username: str, role: str, password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
             site: str | None = None, customer: str | None = None, data_dir: DataDir = None,
             database_url: DatabaseUrl = None) -> None:
    """Create a user (role: admin, qa_manager, inspector, picker, engineer, distributor)."""
    from backend.auth.service import create_user
    from shared_models.enums import Role

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        user = create_user(session, username=username, password=password, role=Role(role), site_code=site,
                           customer_code=customer)
    console.print(json.dumps({"id": user.id, "username": user.username, "role": user.role.value}))


@app.command()
def check(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Verify that stock on hand equals what the events add up to (exit 1 on drift)."""
    from backend.warehouse.check import stock_drift

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        drift = stock_drift(session)
    if not drift:
        console.print("stock on hand matches the events")
        return
    for d in drift[:50]:
        console.print(f"unit {d.unit_id} at {d.location_id}: events say {d.from_events:g}, stock says {d.projected:g}")
    raise typer.Exit(1)


def main() -> None:
    """Entry point: domain errors print as one clear line and exit 1, not as a traceback."""
    from backend.errors import DomainError

    try:
        app()
    except DomainError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.detail}")
        raise SystemExit(1) from exc


@keys_app.command("rotate")
def keys_rotate(data_dir: DataDir = None) -> None:
    """Start signing with a new key; tokens signed by older keys stay valid until they expire."""
    from backend.auth.keys import KeyRing

    settings = _settings(data_dir, None)
    key = KeyRing(settings.data_dir / "keys").rotate()
    console.print(f"now signing with key {key.kid}")
