"""The filesystem inbox where photos uploaded before their inspection wait until the inspection takes them in."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from uuid import UUID

from backend.config import Settings
from backend.quality.photos import Photo

INBOX_FOLDER = "photo-inbox"


class PhotoInbox:
    """Photos uploaded before their inspection is recorded wait here, one data file and one JSON file each,
    until `InspectionService.record` takes them into the database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> PhotoInbox:
        return cls(data_dir / INBOX_FOLDER)

    def put(self, photo: Photo) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        meta = {k: v for k, v in asdict(photo).items() if k != "data"}
        meta["taken_at"] = photo.taken_at.isoformat()
        self._write(self._path(photo.id, "img"), photo.data)   # data first: a meta file means the photo is whole
        self._write(self._path(photo.id, "json"), json.dumps(meta).encode())

    def get(self, photo_id: str) -> Photo | None:
        meta_path = self._path(photo_id, "json")
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text())
        meta["taken_at"] = datetime.fromisoformat(meta["taken_at"])
        return Photo(**meta, data=self._path(photo_id, "img").read_bytes())

    def discard(self, photo_id: str) -> None:
        for suffix in ("json", "img"):
            self._path(photo_id, suffix).unlink(missing_ok=True)

    def _path(self, photo_id: str, suffix: str) -> Path:
        return self.folder / f"{UUID(photo_id)}.{suffix}"   # a UUID only: no path tricks

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)


def default_inbox() -> PhotoInbox:
    """The inbox under the data directory the environment configures (<data dir>/photo-inbox)."""
    return PhotoInbox.in_data_dir(Settings.from_env().data_dir)
