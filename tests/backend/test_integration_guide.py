"""The integration guide's example (docs/examples/integration.py) runs against the real app, on both databases."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

from litestar.testing import TestClient

from backend.outbox.signing import sign

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "integration.py"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("integration_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_runs_every_step_of_the_guide(client: TestClient) -> None:
    done = example().run(client, "admin", "admin-pass-1", supplier="SUP-B", gtin="06901234000023", lot_no="C7",
                         location="S1-RCV", webhook_url="https://erp.example.com/lotline")
    assert done["unit"] == "CASE-01/C7" and done["event"]["lines"][0]["to_location"] == "S1-RCV"
    assert (done["resolved"]["kind"], done["resolved"]["label"]) == ("lot", "CASE-01/C7")
    assert any(node.get("code") == "CASE-01/C7" for node in done["trace"]["nodes"])
    assert done["subscription"]["secret"] and done["subscription"]["topics"] == ["received", "shipped"]
    assert (done["capture"]["state"], done["capture"]["captured"]) == ("success", 1)


def test_the_examples_signature_check_agrees_with_the_server(client: TestClient) -> None:
    verify = example().verify_signature
    body, now = b'{"topic":"received"}', int(time.time())
    headers = {"X-Lotline-Timestamp": str(now), "X-Lotline-Signature": sign("whsec_x", now, body)}
    assert verify("whsec_x", headers, body)
    assert not verify("whsec_x", headers, body + b" ")
    assert not verify("whsec_y", headers, body)


def test_an_error_comes_back_as_its_code_and_detail(client: TestClient) -> None:
    module = example()
    module.log_in(client, "picker", "picker-pass-1")
    try:
        module.receive(client, supplier="SUP-B", scan="(01)06901234999990(10)X", lot_no="X", qty=1,
                       location="S1-RCV")
    except RuntimeError as exc:
        assert "404 not_found" in str(exc) and "06901234999990" in str(exc)
    else:
        raise AssertionError("an unknown GTIN was received")
