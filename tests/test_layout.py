"""The house keeps its shape: every backend area has the same rooms, files stay readable, layers point inward.

The rules (issue 16; ../shared/STYLE.md section 1):
- `backend/<area>/` names its rooms `models.py` (server-only tables), `schemas.py`, `errors.py`, `service.py` or
  several `<what>_service.py`, `controller.py`; any other module is a helper named for what it computes.
- An area's `__init__.py` holds only its docstring: no re-exports, no process state.
- No source file over 400 lines (migrations and the scale seeder excepted).
- `shared_models/` imports no web, UI or backend code; `sync/` imports no backend code; the backend does not import
  the handheld's UI (`mobile.app`, `mobile.views`, `mobile.viewmodels`).
- Tables handhelds do not sync live in the backend, not in `shared_models/`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = ("backend", "sync", "mobile", "shared_models")
MAX_LINES = 400
LONG_ON_PURPOSE = {"backend/seed/scale.py"}  # the benchmark seeder writes a million units in one readable pass
NOT_AREAS = {"migrations", "seed", "cli"}     # alembic revisions, data generators, the command line
ERROR_BASES = ("Error", "Exception", "NotFound", "Conflict", "InvalidInput", "Forbidden")
ROOMS = {"models.py", "schemas.py", "errors.py", "service.py", "controller.py", "__init__.py"}


def _sources(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py")
                  if "node_modules" not in p.parts and "versions" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _areas() -> list[Path]:
    return sorted(p for p in (ROOT / "backend").iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_AREAS)


def test_no_source_file_is_over_400_lines() -> None:
    long = {_rel(p): n for p in _sources(*CODE)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES and _rel(p) not in LONG_ON_PURPOSE}
    assert long == {}


@pytest.mark.parametrize("area", _areas(), ids=lambda p: p.name)
def test_area_init_holds_only_its_docstring(area: Path) -> None:
    body = ast.parse((area / "__init__.py").read_text(encoding="utf-8")).body
    assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), "a docstring first"
    assert body[1:] == [], f"{_rel(area)}/__init__.py holds more than its docstring"


@pytest.mark.parametrize("area", _areas(), ids=lambda p: p.name)
def test_area_rooms_have_the_shared_names(area: Path) -> None:
    names = {p.name for p in area.glob("*.py")}
    # A service or a controller goes by the room's name, or by <what>_service.py / <what>_controller.py.
    misnamed = {n for n in names - ROOMS
                if n.endswith(("services.py", "controllers.py", "_errors.py", "_schemas.py", "_models.py"))}
    assert misnamed == set()
    assert not ("service.py" in names and any(n.endswith("_service.py") for n in names)), (
        "an area has one service.py, or several <what>_service.py, not both")
    for module in area.glob("*.py"):
        if module.name in {"errors.py", "__init__.py"}:
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        # A private exception that never leaves its module (control flow inside a helper) may stay there.
        errors = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")
                  and any(isinstance(b, ast.Name) and b.id.endswith(ERROR_BASES) for b in n.bases)]
        assert errors == [], f"{_rel(module)} defines errors {errors}: they belong in {_rel(area)}/errors.py"
        if module.name.endswith(("controller.py", "service.py")):
            shapes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)
                      and any(isinstance(b, ast.Name) and b.id in {"BaseModel", "Struct", "SQLModel"} for b in n.bases)]
            assert shapes == [], f"{_rel(module)} defines {shapes}: request/response models belong in schemas.py"


def test_shared_models_import_no_web_ui_or_backend() -> None:
    banned = ("litestar", "flet", "backend", "mobile", "sync", "uvicorn", "httpx")
    offenders = {_rel(p): sorted(m for m in _imports(p) if m.split(".")[0] in banned)
                 for p in _sources("shared_models")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_sync_imports_no_backend() -> None:
    offenders = {_rel(p): sorted(m for m in _imports(p) if m.split(".")[0] in {"backend", "mobile"})
                 for p in _sources("sync")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_backend_does_not_import_the_handheld_ui() -> None:
    ui = ("mobile.app", "mobile.views", "mobile.viewmodels", "flet")
    offenders = {_rel(p): sorted(m for m in _imports(p) if m.startswith(ui)) for p in _sources("backend")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_shared_models_hold_only_tables_handhelds_sync() -> None:
    """A table in shared_models/ must be one a sync stream sends to handhelds (sync/sync-streams.yaml)."""
    import re

    streams = (ROOT / "sync" / "sync-streams.yaml").read_text(encoding="utf-8")
    synced = set(re.findall(r"FROM\s+([a-z_]+)", streams))
    from sqlmodel import SQLModel

    import backend.tables  # noqa: F401 - every table registered

    shared = {t.name for t in SQLModel.metadata.sorted_tables
              if any(c.__tablename__ == t.name and c.__module__.startswith("shared_models")
                     for c in SQLModel.__subclasses__() + _all_subclasses(SQLModel) if hasattr(c, "__tablename__"))}
    assert shared - synced == set()


def _all_subclasses(cls: type) -> list[type]:
    out: list[type] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out
