"""Request-scoped memo: kept during a GET/HEAD request, never across requests or in writes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from digitaldesk.core.memo import RequestMemoMiddleware, memo


def _counting_view(calls: list[str]):
    def view(request: HttpRequest) -> HttpResponse:
        values = [memo("key", lambda: calls.append(request.method) or len(calls)) for _ in range(3)]
        return HttpResponse(",".join(map(str, values)))

    return view


def test_a_safe_request_computes_once_and_the_next_request_starts_afresh():
    calls: list[str] = []
    handler = RequestMemoMiddleware(_counting_view(calls))
    assert handler(RequestFactory().get("/")).content == b"1,1,1"
    assert handler(RequestFactory().get("/")).content == b"2,2,2"


def test_a_write_request_never_reads_a_memoised_value():
    calls: list[str] = []
    handler = RequestMemoMiddleware(_counting_view(calls))
    assert handler(RequestFactory().post("/")).content == b"1,2,3"


def test_outside_a_request_memo_simply_computes():
    calls: list[int] = []
    assert [memo("key", lambda: calls.append(1) or len(calls)) for _ in range(2)] == [1, 2]
