"""FSMA 204 over HTTP: the sortable spreadsheet (CSV or XLSX) for a traceability lot code or a product and dates."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Stream

from backend.auth.guards import allow
from backend.deps import Caller, Db
from backend.fsma.schemas import COLUMNS, Format
from backend.fsma.service import fsma_rows
from backend.reports.export import csv_chunks, file_chunks, write_xlsx
from backend.reports.schemas import Column
from shared_models.enums import Role

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class FsmaController(Controller):
    path = "/api/fsma"
    tags = ["interchange"]

    @get("/204", guards=[allow(Role.QA_MANAGER, Role.ENGINEER)], sync_to_thread=True)
    def sortable_spreadsheet(
            self, db: Db, principal: Caller, tlc: Annotated[str | None, QueryParameter(max_length=96)] = None,
            item: Annotated[str | None, QueryParameter(max_length=64)] = None,
            from_at: Annotated[datetime | None, QueryParameter(name="from")] = None,
            to_at: Annotated[datetime | None, QueryParameter(name="to")] = None,
            fmt: Annotated[Format, QueryParameter(name="format")] = "csv") -> Stream:
        """FDA FSMA 204 sortable spreadsheet: one row per critical tracking event (receiving, transformation,
        shipping) with its key data elements, for a traceability lot code (`tlc=`) or a product (`item=`) over a
        date range; CSV or XLSX."""
        rows = fsma_rows(db, principal, tlc=tlc, item=item, from_at=from_at, to_at=to_at)
        columns = [Column(name=f"c{n}", label=h, kind="number" if h == "Quantity" else "text")
                   for n, h in enumerate(COLUMNS)]
        # The file outlives this handler: file_chunks removes it once it is sent.
        handle = tempfile.NamedTemporaryFile(prefix="lotline-fsma-", suffix=f".{fmt}", delete=False)  # noqa: SIM115
        path = Path(handle.name)
        with handle:
            if fmt == "csv":
                for chunk in csv_chunks(columns, rows):
                    handle.write(chunk)
        if fmt == "xlsx":
            write_xlsx(path, "FSMA 204", columns, rows)
        name = f"fsma204-{(tlc or item or 'export').replace('/', '_')}.{fmt}"
        return Stream(file_chunks(path), media_type=MEDIA[fmt],
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


FSMA_CONTROLLERS = [FsmaController]
