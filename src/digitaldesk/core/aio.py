"""Synchronous code that runs a library's asyncio code: pyHanko's signing and validation, an
RFC 3161 timestamp.

`asyncio.run` (which pyHanko's synchronous functions call too) refuses to start in a thread that
already runs an event loop: a Django view called from an ASGI server's thread, or anything run
beside Playwright's synchronous API. `off_loop` then makes the call on a short-lived thread of
its own; otherwise (gunicorn's sync workers, the job workers, the command line) it calls it in
place. The call must not use the database: a new thread has its own connection, outside the
caller's transaction, so read what it needs first and pass it in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def off_loop(call: Callable[[], T]) -> T:
    """`call()`, on a thread of its own when this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="off-loop") as pool:
        return pool.submit(call).result()
