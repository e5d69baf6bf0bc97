"""The `lotline` command as a newcomer runs it: demo prepares a working plant, trace and recall answer."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from backend.cli.main import app
from backend.cli.serve import start_handheld, stop_handheld

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
    scope = json.loads(result.output)
    assert scope["seeds"] == ["RM-PC-01/PC2610-A"]
    assert (scope["totals"]["finished_units"], scope["totals"]["customers"]) == (60, 2)
    assert [(c["code"], c["units"]) for c in scope["shipped"]] == [("CUS-SGJS", 30), ("DST-EC", 30)]


def test_an_unknown_code_is_one_clear_line_and_exit_1(demo_dir: Path) -> None:
    import sys

    from backend.cli.main import main

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


# -- the demo's server-mode handheld: a process of its own, stopped with the backend -------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper that never comes in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_demo_handheld_is_a_process_of_its_own_that_stops_when_asked(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{(port := free_port())}/"
    handheld = start_handheld(port, "http://127.0.0.1:8000", tmp_path / "handheld", "127.0.0.1")
    try:
        assert wait_for(lambda: answers(url) or handheld.poll() is not None) and handheld.poll() is None
    finally:
        stop_handheld(handheld)
    assert handheld.returncode == 0
    assert not answers(url)


PARENT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from backend.cli.serve import start_handheld

    handheld = start_handheld(int(sys.argv[1]), "http://127.0.0.1:8000", Path(sys.argv[2]), "127.0.0.1")
    print(handheld.pid, flush=True)
    while True:
        time.sleep(60)
""")


def test_the_demo_handheld_does_not_outlive_a_backend_that_was_killed(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{(port := free_port())}/"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(port), str(tmp_path / "handheld")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert wait_for(lambda: answers(url) or not running(child)) and running(child)
    finally:
        parent.kill()   # no clean-up of its own: only the closed pipe tells the handheld
        parent.wait()
    assert wait_for(lambda: not running(child))
    assert not answers(url)

