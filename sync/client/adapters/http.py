"""The HTTP interface the sync client and the handheld's API use: one answer record, one streamed body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

Files = Mapping[str, tuple[str, bytes, str]]  # form field → (file name, content, content type)


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A whole answer, whatever its status (the caller decides what a 4xx or 5xx means)."""

    status_code: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed; raises ValueError when it is not JSON."""
        return json.loads(self.content)


class HttpStream(Protocol):
    """An answer whose body is read as it arrives (the NDJSON download)."""

    @property
    def status_code(self) -> int: ...

    async def read(self) -> bytes:
        """The whole body (for an error answer)."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body in the pieces the network delivers. Raises StreamCut when the connection is lost, or nothing
        arrives for the read timeout, after the pieces that did arrive."""
        ...


class Http(Protocol):
    async def request(self, method: str, url: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                      headers: Mapping[str, str] | None = None, files: Files | None = None,
                      data: Mapping[str, str] | None = None) -> HttpAnswer:
        """Raises SyncUnavailable when the server cannot be reached (timed_out=True: it did not answer in time and
        may still be working on the request). Any answer, 5xx included, is returned."""
        ...

    def stream(self, method: str, url: str, *, json: Any = None,
               headers: Mapping[str, str] | None = None) -> AbstractAsyncContextManager[HttpStream]:
        """The answer with its body unread; raises as `request` while connecting. Leaving the block ends the
        request (a followed stream stops at once)."""
        ...

    async def aclose(self) -> None: ...
