"""Reading the YAML files Lotline ships under assets/ (gate rules, warning rules, inspection plans, the demo plant)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it (the wheels are): ~10x faster than the pure-Python one, which
# took 15-20 ms per rules file, paid again by every fresh database that seeds its rules.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The file's content, parsed as safe YAML (plain data only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
