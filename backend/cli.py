"""The `lotline` command: demo, serve, build-app, db upgrade, seed, trace, recall-scope, users, keys, backup and
restore."""

from __future__ import annotations

import json
import subprocess
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
    from backend.audit import service as audit
    from backend.sync.runtime import RECORDER

    RECORDER.install()  # writes made from the CLI reach handhelds like any other
    hooks.install()
    audit.install()  # and are in the audit trail, as the system's
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


Tls = Annotated[bool, typer.Option("--tls", help="Serve HTTPS with a local certificate authority (phones on the "
                                                  "plant Wi-Fi: the PWA needs a secure context).")]


@app.command("build-app")
def build_app(out: Annotated[Path | None, typer.Option("--out", help="Bundle folder (default <data-dir>/app).")] = None,
              force: Annotated[bool, typer.Option("--force", help="Rebuild even when up to date.")] = False,
              data_dir: DataDir = None) -> None:
    """Build the handheld PWA bundle served at /app/ (offline shell, Python in the browser)."""
    from mobile.pwa.builder import ensure_bundle

    target = out or Settings.from_env(data_dir=data_dir).app_bundle_dir
    bundle = ensure_bundle(target, force=force, say=console.print)
    console.print(bundle.describe() + ("" if bundle.rebuilt else " (up to date)"))


def _ensure_app(settings: Settings) -> None:
    """Builds the PWA bundle when missing or stale; the API still starts if that fails (/app/ then says why)."""
    try:
        from mobile.pwa.builder import ensure_bundle

        bundle = ensure_bundle(settings.app_bundle_dir, say=console.print)
    except (OSError, RuntimeError, subprocess.CalledProcessError, ImportError) as exc:
        console.print(f"[yellow]handheld PWA not built ({type(exc).__name__}: {exc}); the API starts without it[/]")
        return
    console.print(bundle.describe())


def _tls_files(settings: Settings, host: str) -> tuple[str, str, list[str]]:
    """Certificate and key for uvicorn, and the https base URLs a phone can use."""
    from backend.tls import ca_fingerprint, ensure_tls, machine_names

    names, addresses = machine_names()
    files = ensure_tls(settings.tls_dir, names, addresses)
    console.print(f"local CA {files.ca_cert} (SHA-256 {ca_fingerprint(files.ca_cert)[:23]}…)")
    hosts = [host] if host not in ("0.0.0.0", "::") else \
        [str(a) for a in addresses if a.version == 4 and not a.is_loopback] + names[1:2]
    return str(files.cert), str(files.key), hosts


def _print_app_urls(settings: Settings, host: str, port: int, tls: bool) -> list[str]:
    if tls:
        cert, key, hosts = _tls_files(settings, host)
        for h in hosts:
            console.print(f"Handheld PWA  https://{h}:{port}/app/   (trust the CA first: https://{h}:{port}/app/trust)")
        return [cert, key]
    console.print(f"Handheld PWA  http://{host}:{port}/app/   (phones need HTTPS: add --tls, or a reverse proxy; "
                  "see docs/pwa.md)")
    return []


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
          database_url: DatabaseUrl = None, tls: Tls = False) -> None:
    """Run the backend API and the handheld PWA at /app/ (built first when missing or stale)."""
    import uvicorn

    from backend.app import create_app, settle_heap

    settings = _settings(data_dir, database_url)
    _ensure_app(settings)
    ssl = _print_app_urls(settings, host, port, tls)
    api = create_app(settings)
    settle_heap()
    uvicorn.run(api, host=host, port=port, log_level="info",
                **({"ssl_certfile": ssl[0], "ssl_keyfile": ssl[1]} if ssl else {}))


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
         no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare only, don't start.")] = False,
         handheld_port: Annotated[int, typer.Option(help="Port of the handheld web app (0: don't start it).")] = 8550,
         tls: Tls = False) -> None:
    """Migrate, seed the demo plant (once), print URLs and logins, and serve the backend and the handheld app."""
    from backend.seed.demo import load_plant_file

    db_upgrade(data_dir, None)
    seed(None, data_dir, None)
    plant = load_plant_file()
    if tls and handheld_port:  # the server-mode handheld would talk plain HTTP to an HTTPS backend
        console.print("[yellow]--tls: the server-mode handheld is not started; phones use the PWA at /app/[/]")
        handheld_port = 0
    table = Table(title="Demo logins", show_lines=False)
    for col in ("user", "password", "role", "scope"):
        table.add_column(col)
    for u in plant["users"]:
        table.add_row(u["username"], plant["demo_password"], u["role"], u.get("site") or u.get("customer") or "all")
    console.print(table)
    base = f"{'https' if tls else 'http'}://{host}:{port}"
    console.print(f"Backend API   {base}/api   (OpenAPI docs: {base}/schema/swagger)")
    if handheld_port:
        console.print(f"Handheld app  http://{host}:{handheld_port}   (server mode; log in as picker, inspector, "
                      f"engineer, distributor or qa; password {plant['demo_password']})")
    console.print("Try           lotline trace FG-MTR-01/SN26000001   |   lotline recall-scope RM-PC-01/PC2610-A")
    if no_serve:
        return
    if not handheld_port:
        serve(host, port, data_dir, None, tls)
        return
    _serve_with_handheld(host, port, handheld_port, data_dir, tls)


def _serve_with_handheld(host: str, port: int, handheld_port: int, data_dir: Path | None, tls: bool = False) -> None:
    """The backend in a thread, the handheld (Flet web) in the main thread, which owns Ctrl-C; stopping the
    handheld stops the backend too."""
    import threading

    import uvicorn

    from backend.app import create_app, settle_heap
    from mobile.app import run_web

    settings = _settings(data_dir, None)
    _ensure_app(settings)
    ssl = _print_app_urls(settings, host, port, tls)
    backend = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="info",
                                            timeout_graceful_shutdown=2,
                                            **({"ssl_certfile": ssl[0], "ssl_keyfile": ssl[1]} if ssl else {})))
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
    from backend.trace.schemas import QtyByUom

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        scope = run_scope(session, SYSTEM, codes, max_depth=depth, list_limit=20)
    if as_json:
        console.print_json(scope.model_dump_json())
        return
    t = scope.totals

    def per_uom(totals: list[QtyByUom]) -> str:
        return f" ({', '.join(f'{q.qty:.9g} {q.uom}' for q in totals)})" if totals else ""

    console.print(f"[bold]Recall scope of {', '.join(scope.seeds)}[/]: {t.units_in_scope} units reached, "
                  f"{t.finished_units} finished, {t.in_stock_units} still in stock{per_uom(t.in_stock_by_uom)}, "
                  f"{t.shipped_units} shipped{per_uom(t.shipped_by_uom)} to {t.customers} customer(s)")
    stock = Table("site", "location", "units", "qty", "uom", title="Still in stock (to block)")
    for s in scope.in_stock:
        stock.add_row(s.site, s.location, str(s.units), f"{s.qty:.9g}", s.uom)
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


@app.command("user-end-logins")
def user_end_logins(username: str, deactivate: Annotated[bool, typer.Option(
        "--deactivate", help="Also deactivate the account (it can log in again only once reactivated).")] = False,
        data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """End every log-in of a user now (a lost handheld, a leaver): their tokens answer 401 from the next request."""
    from backend.auth.service import deactivate_user, revoke_tokens
    from backend.errors import DomainError

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        try:
            user = deactivate_user(session, username) if deactivate else revoke_tokens(session, username)
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(1) from exc
        console.print(json.dumps({"username": user.username, "active": user.active,
                                  "token_generation": user.token_generation}))


@app.command()
def check(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Verify that stock on hand equals what the events add up to and that stored codes keep the identifier rule
    (exit 1 on drift or a bad code)."""
    from backend.warehouse.check import bad_identifiers, stock_drift

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        drift = stock_drift(session)
        bad = bad_identifiers(session)
    if not drift:
        console.print("stock on hand matches the events")
    for d in drift[:50]:
        console.print(f"unit {d.unit_id} at {d.location_id}: events say {d.from_events:g}, stock says {d.projected:g}")
    if not bad:
        console.print("stored codes keep the identifier rule")
    for b in bad[:50]:
        console.print(f"{b.what} {b.key!r}: {b.problem}", markup=False)
    if drift or bad:
        raise typer.Exit(1)


@app.command("verify-log")
def verify_log(site: Annotated[str | None, typer.Option("--site", help="Only this site's chain (its code).")] = None,
               data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Prove each site's event hash chain from the stored rows; name the first broken link (exit 1)."""
    from backend.eventlog.verify import verify_all

    settings = _settings(data_dir, database_url)
    with make_engine(settings.url).connect() as conn:
        try:
            chains = verify_all(conn, site)
        except LookupError:
            console.print(f"[red]no site {site}[/]")
            raise typer.Exit(2) from None
    for c in chains:
        if c.intact:
            console.print(f"site {c.site_code}: {c.events} events, chain intact; head seq {c.head_seq} {c.head_hash}")
        else:
            assert c.first_break is not None
            console.print(f"[red]site {c.site_code}: broken[/] after {c.events - 1} good events at "
                          f"{c.first_break.describe()}", soft_wrap=True)
    if not all(c.intact for c in chains):
        raise typer.Exit(1)


@app.command("audit")
def audit_trail(entity: Annotated[str | None, typer.Option(help="item, site, user, gate_rule, ...")] = None,
                key: Annotated[str | None, typer.Option(help="The record's code, part no. or username.")] = None,
                limit: int = 50, as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Who changed master data, gates, warning rules, users and recall cases: newest first."""
    from backend.audit.schemas import AuditEntryPublic
    from backend.audit.service import entries

    settings = _settings(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        found = [AuditEntryPublic.model_validate(e) for e in entries(session, entity=entity, key=key, limit=limit)]
    if as_json:
        console.print_json(json.dumps([e.model_dump(mode="json") for e in found]))
        return
    table = Table("at", "who", "what", "key", "action", "before", "after")
    for e in found:
        table.add_row(e.at.isoformat(timespec="seconds"), e.actor_username, e.entity_type, e.entity_key, e.action,
                      json.dumps(e.before, ensure_ascii=False) if e.before else "",
                      json.dumps(e.after, ensure_ascii=False) if e.after else "")
    console.print(table)


Schema = Annotated[str | None, typer.Option("--schema", help="PostgreSQL: the schema Lotline uses "
                                                            "(default: the connection's current schema).")]


@app.command()
def backup(to: Annotated[Path | None, typer.Option("--to", help="File (.tar.gz) or folder to write; default "
                                                                "<data-dir>/backups/.")] = None,
           schema: Schema = None, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Write a consistent backup of the database while the server keeps running (token-signing keys excluded)."""
    import time

    from backend.backup.service import take_backup

    settings = _settings(data_dir, database_url)
    dest = to or settings.data_dir / "backups"
    if to is None:
        dest.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with console.status("backing up") as status:
        path, manifest = take_backup(make_engine(settings.url), dest, schema=schema, progress=lambda done, total:
                                     status.update(f"backing up: {done:,} of {total:,} pages"))
    console.print(f"backup written to [bold]{path}[/] in {time.perf_counter() - started:.1f} s: "
                  f"{path.stat().st_size:,} bytes ({manifest.size_bytes:,} uncompressed), revision "
                  f"{manifest.alembic_revision}, {manifest.row_counts.get('event', 0):,} events; signing keys "
                  f"not included")


@app.command()
def restore(path: Path, yes: Annotated[bool, typer.Option("--yes", help="Restore even though other sessions "
                                                                        "may be using the database.")] = False,
            schema: Schema = None, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Replace the database with a backup, upgrade it if it is older, and check it (exit 1 on drift)."""
    from backend.backup.service import restore_backup

    settings = _settings(data_dir, database_url)
    engine = make_engine(settings.url)
    workdir = None
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        workdir = settings.data_dir
        console.print("[yellow]SQLite: an open connection is seen only from another process on a local disk; stop "
                      "`lotline serve` before restoring.[/]")
    restored = restore_backup(path, engine, schema=schema, assume_yes=yes, workdir=workdir,
                              say=lambda note: console.print(f"[yellow]{note}[/]"))
    m = restored.manifest
    console.print(f"restored {path} (taken {m.created_at} by Lotline {m.lotline_version}) at revision "
                  f"{restored.revision}")
    if not restored.drift:
        console.print("check: stock on hand matches the events")
        return
    for d in restored.drift[:50]:
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
