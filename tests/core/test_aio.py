"""core.aio.off_loop: a library's asyncio code called from synchronous code, whether or not the
calling thread already runs an event loop (an ASGI server's thread, Playwright's sync API).

Each case runs on a fresh thread, so what the test's own thread runs does not matter."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from digitaldesk.core.aio import off_loop

T = TypeVar("T")


async def _answer() -> int:
    return 42


def _on_a_fresh_thread(call: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _inside_a_running_loop(call: Callable[[], T]) -> T:
    async def main() -> T:
        return call()

    return _on_a_fresh_thread(lambda: asyncio.run(main()))


def _plain_run() -> int:
    coro = _answer()
    try:
        return asyncio.run(coro)
    finally:
        coro.close()


def test_in_place_without_a_loop_and_on_its_own_thread_inside_one() -> None:
    assert _on_a_fresh_thread(lambda: off_loop(lambda: asyncio.run(_answer()))) == 42
    with pytest.raises(RuntimeError, match="running event loop"):
        _inside_a_running_loop(_plain_run)
    assert _inside_a_running_loop(lambda: off_loop(lambda: asyncio.run(_answer()))) == 42


def test_an_error_reaches_the_caller() -> None:
    def fails() -> None:
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"):
        _inside_a_running_loop(lambda: off_loop(fails))
