"""Settings read from the environment, with the embedded SQLite default under a data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("LOTLINE_DATA_DIR", Path.cwd() / "var"))
# Uploaded ops applied per database transaction, at most: more shares each commit among more ops (bench/sync.py
# `chunks`: 1,000 takes a third more events per second than 200), fewer holds SQLite's write lock (PostgreSQL's row
# locks) for less time while other writers wait. A chunk also ends once it has worked UPLOAD_CHUNK_BUDGET_S, so a
# run of slow ops (ships, inspections: milliseconds each, against a fraction of one for a posted receive) cannot
# hold the lock for seconds.
UPLOAD_CHUNK_OPS = 1000
UPLOAD_CHUNK_BUDGET_S = 0.25
# Log-in throttling: this many failed log-ins for one username (or from one client address) within the window, and
# every further attempt answers 429 until the window that opened with the first failure has passed.
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_IP = 20
LOGIN_WINDOW_S = 15 * 60


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    token_audience: str = "lotline"
    token_ttl_s: int = 8 * 3600
    sync_endpoint: str = ""
    trace_max_depth: int = 12
    trace_max_nodes: int = 5000
    upload_chunk_ops: int = UPLOAD_CHUNK_OPS
    login_failures_per_user: int = LOGIN_FAILURES_PER_USER
    login_failures_per_ip: int = LOGIN_FAILURES_PER_IP
    login_window_s: int = LOGIN_WINDOW_S
    debug: bool = False
    app_dir: Path | None = None  # the handheld PWA bundle served at /app/ (`lotline build-app`); default below
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def app_bundle_dir(self) -> Path:
        return self.app_dir or self.data_dir / "app"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'lotline.db'}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": Path(os.environ.get("LOTLINE_DATA_DIR", DEFAULT_DATA_DIR)),
            "database_url": os.environ.get("LOTLINE_DATABASE_URL", ""),
            "sync_endpoint": os.environ.get("LOTLINE_SYNC_ENDPOINT", ""),
            "debug": os.environ.get("LOTLINE_DEBUG", "") == "1",
        }
        if os.environ.get("LOTLINE_APP_DIR"):
            values["app_dir"] = Path(os.environ["LOTLINE_APP_DIR"])
        if os.environ.get("LOTLINE_UPLOAD_CHUNK_OPS"):
            values["upload_chunk_ops"] = int(os.environ["LOTLINE_UPLOAD_CHUNK_OPS"])
        for name in ("login_failures_per_user", "login_failures_per_ip", "login_window_s"):
            if os.environ.get(f"LOTLINE_{name.upper()}"):
                values[name] = int(os.environ[f"LOTLINE_{name.upper()}"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
