"""`lotline db upgrade`, `seed`, `check`, `verify-log`, `backup` and `restore`: the database as a whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backend.cli.options import DatabaseUrl, DataDir, Schema, console, settings_for
from backend.db import make_engine, session_scope
from backend.migrate import current_revision, upgrade


def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply every schema migration."""
    settings = settings_for(data_dir, database_url)
    engine = make_engine(settings.url)
    upgrade(engine)
    console.print(f"schema at revision [bold]{current_revision(engine)}[/] on {engine.url.render_as_string()}")


def seed(scale: Annotated[int | None, typer.Option(help="Generate this many units for benchmarks.")] = None,
         data_dir: DataDir = None, database_url: DatabaseUrl = None,
         seed_value: Annotated[int, typer.Option("--seed", help="Random seed for --scale.")] = 42) -> None:
    """Load the demo plant, or with --scale N generate N units of realistic history."""
    settings = settings_for(data_dir, database_url)
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


def check(data_dir: DataDir = None, database_url: DatabaseUrl = None,
          rebuild_reach: Annotated[bool, typer.Option("--rebuild-reach", help="When the reachability has drifted, "
                                                      "rebuild it from the edges and shipments.")] = False) -> None:
    """Verify that stock on hand equals what the events add up to, that the reachability (what each unit reaches,
    recomputed from the genealogy edges and shipments) matches what is stored, and that stored codes keep the
    identifier rule (exit 1 on drift or a bad code)."""
    from backend.trace.reach_build import reach_drift, rebuild
    from backend.warehouse.check import bad_identifiers, stock_drift

    settings = settings_for(data_dir, database_url)
    with session_scope(make_engine(settings.url)) as session:
        drift = stock_drift(session)
        bad = bad_identifiers(session)
        reach = reach_drift(session.connection())
        if reach and rebuild_reach:
            counts = rebuild(session.connection())
            session.commit()
            console.print(f"reachability rebuilt: {counts['reach']:,} pairs over {counts['reach_node']:,} units")
    if not reach:
        console.print("the reachability matches the genealogy edges and shipments")
    else:
        console.print(f"reachability drift: {reach.pairs_missing} pairs missing, {reach.pairs_extra} extra, "
                      f"{reach.depth_wrong} depths, {reach.nodes_wrong} nodes, {reach.items_wrong} item counts, "
                      f"{reach.shipments_wrong} shipment figures, {reach.lines_wrong} shipped lines wrong")
        for problem in reach.problems:
            console.print(problem, markup=False)
    if not drift:
        console.print("stock on hand matches the events")
    for d in drift[:50]:
        console.print(f"unit {d.unit_id} at {d.location_id}: events say {d.from_events:g}, stock says {d.projected:g}")
    if not bad:
        console.print("stored codes keep the identifier rule")
    for b in bad[:50]:
        console.print(f"{b.what} {b.key!r}: {b.problem}", markup=False)
    if drift or bad or (reach and not rebuild_reach):
        raise typer.Exit(1)


def verify_log(site: Annotated[str | None, typer.Option("--site", help="Only this site's chain (its code).")] = None,
               data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Prove each site's event hash chain from the stored rows; name the first broken link (exit 1)."""
    from backend.eventlog.verify import verify_all

    settings = settings_for(data_dir, database_url)
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


def backup(to: Annotated[Path | None, typer.Option("--to", help="File (.tar.gz) or folder to write; default "
                                                                "<data-dir>/backups/.")] = None,
           schema: Schema = None, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Write a consistent backup of the database while the server keeps running (token-signing keys excluded)."""
    import time

    from backend.backup.service import take_backup

    settings = settings_for(data_dir, database_url)
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


def restore(path: Path, yes: Annotated[bool, typer.Option("--yes", help="Restore even though other sessions "
                                                                        "may be using the database.")] = False,
            schema: Schema = None, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Replace the database with a backup, upgrade it if it is older, and check it (exit 1 on drift)."""
    from backend.backup.service import restore_backup

    settings = settings_for(data_dir, database_url)
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
