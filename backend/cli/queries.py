"""`lotline trace`, `recall-scope` and `audit`: questions answered from the shell."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from backend.auth.principal import SYSTEM
from backend.cli.options import DatabaseUrl, DataDir, console, settings_for
from backend.db import make_engine, session_scope


def trace(code: str, direction: Annotated[str, typer.Option(help="backward or forward")] = "backward",
          depth: int = 12, as_json: Annotated[bool, typer.Option("--json")] = False,
          limit: Annotated[int | None, typer.Option(help="One page of this many units (then its cursor).")] = None,
          cursor: Annotated[str | None, typer.Option(help="The page after this cursor (with --limit).")] = None,
          data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Where did CODE come from (backward) or where did it go (forward): the whole trace, or with --limit one page."""
    from backend.trace.service import trace as run_trace
    from shared_models.enums import Direction

    settings = settings_for(data_dir, database_url)
    way = Direction(direction)
    with session_scope(make_engine(settings.url)) as session:
        if limit is not None or cursor is not None:
            graph = run_trace(session, SYSTEM, code, way, max_depth=depth,
                              max_nodes=limit or settings.trace_max_nodes, cursor=cursor)
        else:  # every page, joined
            graph = run_trace(session, SYSTEM, code, way, max_depth=depth, max_nodes=settings.trace_max_nodes)
            nodes, edges, page = list(graph.nodes), list(graph.edges), graph
            while page.next_cursor is not None:
                page = run_trace(session, SYSTEM, code, way, max_depth=depth, max_nodes=settings.trace_max_nodes,
                                 cursor=page.next_cursor)
                nodes += page.nodes
                edges += page.edges
            graph = graph.model_copy(update={"nodes": nodes, "edges": edges, "truncated": False,
                                             "next_cursor": None})
    if as_json:
        console.print_json(graph.model_dump_json())
        return
    nodes = {n.id: n for n in [graph.root, *graph.nodes]}
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
            if child in seen or child not in nodes:  # a page holds part of the trace
                continue
            grow(tree.add(label(child, qty)), child, seen | {child})

    if cursor is not None:  # a later page: its units, not a tree from the root
        for n in graph.nodes:
            console.print(f"{n.depth:>3} {label(n.id)}")
    else:
        root = Tree(label(graph.root.id))
        grow(root, graph.root.id, frozenset({graph.root.id}))
        console.print(root)
    for c in graph.customers:
        console.print(f"shipped to [bold]{c.code}[/] {c.name}: {c.units} units in {c.shipments} shipment(s)")
    if graph.truncated:
        console.print(f"[yellow]{graph.total_nodes} units in all; showing {len(graph.nodes)}; next page: "
                      f"--cursor {graph.next_cursor}[/]", soft_wrap=True)


def recall_scope(codes: list[str], as_json: Annotated[bool, typer.Option("--json")] = False, depth: int = 12,
                 data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """What a recall of CODES reaches: finished units, stock to block, customers to notify."""
    from backend.recall.scope_service import recall_scope as run_scope
    from backend.trace.schemas import QtyByUom

    settings = settings_for(data_dir, database_url)
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


def audit_trail(entity: Annotated[str | None, typer.Option(help="item, site, user, gate_rule, ...")] = None,
                key: Annotated[str | None, typer.Option(help="The record's code, part no. or username.")] = None,
                limit: int = 50, as_json: Annotated[bool, typer.Option("--json")] = False,
                data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Who changed master data, gates, warning rules, users and recall cases: newest first."""
    from backend.audit.schemas import AuditEntryPublic
    from backend.audit.service import entries

    settings = settings_for(data_dir, database_url)
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
