"""Request-scoped memoisation of read-only lookups (e.g. the units a user leads).

Several apps ask the same questions about the signed-in user while drawing one page (the desk
home asks "which units does this user lead?" from five widgets). `RequestMemoMiddleware` opens a
memo for each GET/HEAD request; `memo(key, compute)` answers from it, or computes and keeps the
value. Outside a safe request (POST handlers, services called from jobs or tests) nothing is
kept: `memo` simply computes, so a write is never followed by a stale read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("desk_request_memo", default=None)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    store = _memo.get()
    if store is None:
        return compute()
    if key in store:
        return cast(T, store[key])  # stored below by the same key's compute(): a T
    value = compute()
    store[key] = value
    return value


def active() -> bool:
    """True inside a safe (GET/HEAD) request, where `memo` keeps values."""
    return _memo.get() is not None


def remember(key: Hashable, value: object) -> None:
    """Give `memo(key, ...)` its answer in advance (e.g. read together with something else in
    the same query); does nothing outside a safe request, like `memo` keeps nothing there."""
    store = _memo.get()
    if store is not None:
        store[key] = value


@contextmanager
def request_memo() -> Iterator[None]:
    """A memo as during a GET request (for scripts and benchmarks that call page code directly)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


class RequestMemoMiddleware:
    SAFE_METHODS = ("GET", "HEAD")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.SAFE_METHODS:
            return self.get_response(request)
        with request_memo():
            return self.get_response(request)
