"""The `lotline` command as a newcomer runs it: demo prepares a working plant, trace and recall answer."""

from __future__ import annotations

import json
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


def test_ending_a_users_log_ins_from_the_shell_raises_their_token_generation(demo_dir: Path) -> None:
    first = runner.invoke(app, ["user-end-logins", "picker", "--data-dir", str(demo_dir)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["user-end-logins", "picker", "--deactivate", "--data-dir", str(demo_dir)])
    assert again.exit_code == 0, again.output
    before, after = (json.loads(r.output.strip().splitlines()[-1]) for r in (first, again))
    assert (before["active"], after["active"]) == (True, False)
    assert after["token_generation"] == before["token_generation"] + 1
    unknown = runner.invoke(app, ["user-end-logins", "nobody", "--data-dir", str(demo_dir)])
    assert unknown.exit_code == 1 and "nobody" in unknown.output
