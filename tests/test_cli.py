"""The `lotline` command as a newcomer runs it: demo prepares a working plant, trace and recall answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--no-serve", "--data-dir", str(data)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "lotline-demo" in result.output and "http://127.0.0.1:8000/api" in result.output
    return data


def test_demo_twice_seeds_once(demo_dir: Path) -> None:
    again = runner.invoke(app, ["seed", "--data-dir", str(demo_dir)])
    assert again.exit_code == 0 and "already seeded" in again.output


def test_trace_prints_the_tree_back_to_the_resin_supplier(demo_dir: Path) -> None:
    result = runner.invoke(app, ["trace", "FG-MTR-01/SN26000001", "--data-dir", str(demo_dir)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for expected in ("SA-BRD-01/BRD000001", "SA-CASE-01/CASE261012", "RM-PC-01/PC2610-A", "SUP-NBP NB-88121"):
        assert expected in result.output


def test_recall_scope_of_the_demo_resin_lot(demo_dir: Path) -> None:
    result = runner.invoke(app, ["recall-scope", "RM-PC-01/PC2610-A", "--json", "--data-dir", str(demo_dir)])
    assert result.exit_code == 0, result.output
    assert '"finished_units": 60' in result.output
    assert '"CUS-SGJS"' in result.output and '"DST-EC"' in result.output and '"DST-SC"' not in result.output


def test_an_unknown_code_is_one_clear_line_and_exit_1(demo_dir: Path) -> None:
    import sys

    from backend.cli import main

    argv = sys.argv
    sys.argv = ["lotline", "trace", "NOPE", "--data-dir", str(demo_dir)]
    try:
        with pytest.raises(SystemExit) as stop:
            main()
    finally:
        sys.argv = argv
    assert stop.value.code == 1
