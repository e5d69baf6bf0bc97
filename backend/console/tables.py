"""Server-side table paging: sort, filter and page rows a service returned, and the query a page link carries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from backend.errors import InvalidInput

Row = TypeVar("Row")
PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class TablePage(Generic[Row]):
    rows: list[Row]
    page: int
    pages: int
    total: int
    sort: str
    desc: bool
    query: dict[str, str]

    def link(self, **changes: Any) -> str:
        """The query string of this table with `changes` (e.g. page=2, or sort=title which resets to page 1)."""
        params = {**self.query, "sort": self.sort, "dir": "desc" if self.desc else "asc", "page": str(self.page)}
        if "sort" in changes and "dir" not in changes:
            same = changes["sort"] == self.sort
            changes["dir"] = "asc" if same and self.desc else "desc" if same else "asc"
            changes["page"] = 1
        params.update({k: str(v) for k, v in changes.items()})
        return urlencode({k: v for k, v in params.items() if v not in ("", "None")})


def page_of(rows: Sequence[Row], *, sort: str, desc: bool, page: int, keys: dict[str, Callable[[Row], Any]],
            query: dict[str, str] | None = None, size: int = PAGE_SIZE) -> TablePage[Row]:
    """Rows sorted by `keys[sort]` (None values last), cut to page `page` (from 1) of `size`."""
    if sort not in keys:
        raise InvalidInput(f"sort: {sort!r} is not a column of this table; use one of {', '.join(keys)}.")
    if page < 1:
        raise InvalidInput(f"page: {page} is not a page number; pages start at 1.")
    key = keys[sort]
    present = sorted((r for r in rows if key(r) is not None), key=key, reverse=desc)
    ordered = present + [r for r in rows if key(r) is None]
    pages = max(1, -(-len(ordered) // size))
    page = min(page, pages)
    return TablePage(rows=ordered[(page - 1) * size:page * size], page=page, pages=pages, total=len(ordered),
                     sort=sort, desc=desc, query={k: v for k, v in (query or {}).items() if v})
