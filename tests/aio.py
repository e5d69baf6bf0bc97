"""One event loop per test for the handheld's async code: `run(coro)` runs it to the end on that loop.

A test calls the sync client or a view-model several times, and what they hold (httpx's connection pool, locks)
belongs to the loop that made it, so every call of one test goes to one loop (asyncio.Runner), closed at the end.
Import the fixture where it is used: `from tests.aio import run_fixture  # noqa: F401`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
Run = Callable[[Awaitable[T]], T]


@pytest.fixture(name="run")
def run_fixture() -> Iterator[Callable[[Awaitable[Any]], Any]]:
    with asyncio.Runner() as runner:
        def run(awaitable: Awaitable[T]) -> T:
            return runner.run(_awaited(awaitable))

        yield run


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable
