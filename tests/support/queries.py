"""Counting SQL queries of the desk home and of each desk widget (N+1 guards, see docs/testing.md).

from tests.support.queries import desk_home_queries, widget_queries

before = len(desk_home_queries(client))
... create many more rows that your widget lists ...
assert len(desk_home_queries(client)) == before   # no query per row
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django_htmx.middleware import HtmxDetails

# Queries the shell itself spends on every signed-in page: session read, user, position, unit,
# the delegation check behind the roles, and the session write (savepoint, update, release).
SHELL_QUERIES = 8
# What one desk widget may spend (context + template), whatever the amount of data.
WIDGET_QUERY_BUDGET = 8


def desk_home_queries(client: Client) -> list[str]:
    """Open the desk home with `client` and return the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200, response.status_code
    return [query["sql"] for query in captured.captured_queries]


def desk_request(user: Any) -> Any:
    """A GET / request of `user` as the desk home sees it: the user loaded with its unit and
    position, its roles computed, a session and htmx details (no facts asked yet)."""
    from digitaldesk.accounts.models import User
    from digitaldesk.accounts.selectors import effective_roles

    fresh = User.objects.select_related("unit", "position").get(pk=user.pk)
    effective_roles(fresh)
    request = RequestFactory().get("/")
    request.user = fresh
    request.session = SessionStore()
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    return request


def widget_queries(user: Any) -> dict[str, list[str]]:
    """For each registered widget: the SQL it runs for `user` (context function + its template).

    The user is loaded with its unit and position and its roles are computed first, as on a real
    request, so that only the widget's own queries are counted."""
    from digitaldesk.core.widgets import registered

    result: dict[str, list[str]] = {}
    for item in registered():
        request = desk_request(user)
        with CaptureQueriesContext(connection) as captured:
            context = item.context(request)
            if context is not None:
                render_to_string(item.template, {**context, "widget": item}, request=request)
        result[item.key] = [query["sql"] for query in captured.captured_queries]
    return result
