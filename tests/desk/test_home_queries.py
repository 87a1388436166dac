"""The desk home stays cheap: a bounded number of queries per widget, none per row of data.

Every widget registered by any app is held to WIDGET_QUERY_BUDGET, so a new widget that runs one
query per case, document or person fails here instead of slowing every user's desk.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.accounts.models import Delegation, User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.widgets import registered
from digitaldesk.notifications.services import notify
from tests.support.queries import (
    SHELL_QUERIES,
    WIDGET_QUERY_BUDGET,
    desk_home_queries,
    widget_queries,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["huong", "minh", "lan", "thanhtra", "dung"]


def _delegate(org: Any, grantor: str, grantee: str, unit: str) -> None:
    today = timezone.localdate()
    Delegation.objects.create(
        grantor=org.people[grantor],
        grantee=org.people[grantee],
        unit=org.units[unit],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        scope="Điều hành công việc của Phòng 2 khi Trưởng phòng đi công tác",
        created_by=org.people[grantor],
    )


def _grow(org: Any, key: str, unit: str, rows: int, start: int) -> None:
    """More rows of everything the foundation's widgets list."""
    user = org.people[key]
    for index in range(start, start + rows):
        notify(users=[user], title=f"Văn bản đến số {index + 1} cần cho ý kiến chỉ đạo")
    position = org.people["minh"].position
    for index in range(start, start + rows):
        User.objects.create(
            username=f"them.{key}.{index}",
            full_name=f"Nguyễn Văn Thêm {index}",
            unit=org.units[unit],
            position=position,
        )
    for index in range(start, start + rows):
        audit_record(actor=user, action="cases.view", obj=user, detail={"n": index})


def test_each_widget_stays_within_its_query_budget(org: Any) -> None:
    """Every registered widget, for a Viện trưởng, a prosecutor holding a delegation, a clerk, an
    auditor and an administrator, runs at most WIDGET_QUERY_BUDGET queries."""
    _delegate(org, "tp2", "minh", "tinh_p2")
    over = {}
    for key in PERSONAS:
        for widget, sql in widget_queries(org.people[key]).items():
            if len(sql) > WIDGET_QUERY_BUDGET:
                over[f"{widget} ({key})"] = len(sql)
    assert over == {}, f"widgets over {WIDGET_QUERY_BUDGET} queries: {over}"


@pytest.mark.parametrize(
    ("key", "unit"), [("huong", "tinh"), ("minh", "tinh_p2"), ("thanhtra", "thanh_tra")]
)
def test_desk_home_queries_do_not_grow_with_the_data(
    org: Any, as_user: Any, key: str, unit: str
) -> None:
    """GIVEN a leader (Viện trưởng), a prosecutor who holds a delegation, and an auditor, each with
    10 notifications, new colleagues and audit events
    WHEN 30 more of each are added
    THEN their desk home runs exactly the same number of queries, within the overall budget."""
    _delegate(org, "tp2", "minh", "tinh_p2")
    client = as_user(key)
    _grow(org, key, unit, rows=10, start=0)
    desk_home_queries(client)  # the first visit may fill per-process caches
    before = desk_home_queries(client)
    assert len(before) <= SHELL_QUERIES + WIDGET_QUERY_BUDGET * len(registered())
    _grow(org, key, unit, rows=30, start=10)
    after = desk_home_queries(client)
    assert len(after) == len(before), "\n".join(after)


def test_the_shell_alone_costs_few_queries(org: Any, as_user: Any) -> None:
    """A signed-in page without widgets (the notification inbox, empty) costs the shell's queries
    plus the page's own: the top bar and menu do not query per item."""
    client = as_user("minh")
    client.get("/thong-bao/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/thong-bao/").status_code == 200
    assert len(captured.captured_queries) <= SHELL_QUERIES + 2
