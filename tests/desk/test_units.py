"""The desk widget "Đơn vị tôi lãnh đạo" (agenda/units.py): a leader at any level sees the figures
and the urgent items of the units they lead (issue 13, item 13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from playwright.sync_api import expect

from digitaldesk.accounts.models import User
from digitaldesk.accounts.selectors import effective_roles, led_units
from digitaldesk.agenda import units
from digitaldesk.agenda.units import LEADS
from digitaldesk.cases import services as cases
from digitaldesk.cases.models import ComputedDeadline
from digitaldesk.core import facts
from digitaldesk.core.memo import RequestMemoMiddleware
from tests.documents.conftest import incoming_post
from tests.support.browser import login, screenshot
from tests.support.queries import desk_request


def _vu5_at_work(org: Any, as_user: Any) -> None:
    """Vụ 5 of the Supreme Procuracy with work in hand: a denunciation taken in 18 days ago (its
    limit ends within the week) and a letter registered by its clerk, past due, not yet directed."""
    today = timezone.localdate()
    cases.case_register(
        actor=org.people["tuan"],
        data=cases.IntakeData(
            unit=org.units["v5"],
            source="to_giac",
            name="Tố giác sai phạm trong đấu thầu thiết bị y tế",
            received_on=today - dt.timedelta(days=18),
        ),
    )
    response = as_user("v5_vthu").post(
        "/van-ban/den/vao-so/",
        incoming_post(
            code_notation="45/BC-TTCP",
            sender="Thanh tra Chính phủ",
            subject="Chuyển hồ sơ vụ việc có dấu hiệu tham nhũng",
            due_date=(today - dt.timedelta(days=2)).isoformat(),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:1500]


@pytest.mark.browser
def test_a_vu_truong_sees_the_figures_and_urgent_items_of_vu_5(
    org: Any, as_user: Any, page: Any
) -> None:
    """GIVEN Vụ 5 with a denunciation whose limit ends this week and an overdue letter waiting
    for direction WHEN ông Tuấn (Vụ trưởng) opens his desk on a desktop THEN "Đơn vị tôi lãnh
    đạo" gives Vụ 5's figures (documents waiting, waiting for direction, overdue; limits ending
    this week; cases by stage) and links to the limit and the letter."""
    _vu5_at_work(org, as_user)
    assert ComputedDeadline.objects.filter(unit=org.units["v5"], running=True).exists()
    login(page, "tuan.v5")
    widget = page.locator("#w-deskunits")
    expect(widget.get_by_role("heading", name="Đơn vị tôi lãnh đạo")).to_be_visible()
    row = widget.locator("tbody tr").first
    expect(row.locator("th")).to_contain_text("(Vụ 5)")
    cells = row.locator("td")
    expect(cells).to_have_text(["1", "1", "1", "0", "1", "1: Giải quyết nguồn tin 1"])
    expect(widget.get_by_role("link", name="Tố giác sai phạm trong đấu thầu")).to_be_visible()
    expect(widget.get_by_role("link", name="(45/BC-TTCP)")).to_be_visible()
    screenshot(page, "desk-units-desktop")


@pytest.mark.django_db
def test_the_widget_costs_nothing_for_an_official_who_leads_nothing(org: Any) -> None:
    """Inside a page (the request memo holds the delegations, read for the roles) the fact is
    decided without SQL: false for a prosecutor, true for leaders at every level (a Vụ trưởng,
    a Viện trưởng, a Trưởng phòng)."""
    seen: dict[str, tuple[bool, int]] = {}

    def view(request: HttpRequest) -> HttpResponse:
        for key in ("minh", "tuan", "huong", "tp2"):
            request = desk_request(org.people[key])  # a request of this persona, same memo
            effective_roles(request.user)
            with CaptureQueriesContext(connection) as captured:
                seen[key] = (facts.evaluate(request, [LEADS])[LEADS], len(captured))
        return HttpResponse("ok")

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert seen == {"minh": (False, 0), "tuan": (True, 0), "huong": (True, 0), "tp2": (True, 0)}


def _shown(figures: Any) -> tuple[Any, ...]:
    """What the template shows of the figures (agenda/units.html)."""
    return (
        figures.documents,
        figures.deadlines,
        figures.by_stage,
        [
            (d.pk, d.end, d.label, d.case_id, d.case.register_label, d.case.name)
            + ((d.accused.full_name,) if d.accused else ())
            for d in figures.limits
        ],
        [
            (d.pk, d.arrival_number, d.code_notation, d.subject, d.due_date, d.urgency, d.secrecy)
            for d in figures.late_documents
        ],
    )


@pytest.mark.django_db
def test_the_prebuilt_figures_of_one_unit_are_the_built_ones(org: Any, as_user: Any) -> None:
    """GIVEN Vụ 5 at work and limits running in a province department (one case restricted)
    WHEN every persona who leads one unit opens the widget THEN the prebuilt queries of a leader
    of one unit give the figures and items of the queries built per request (any number of
    units)."""
    _vu5_at_work(org, as_user)
    today = timezone.localdate()
    for days, restricted in ((18, False), (25, True)):
        cases.case_register(
            actor=org.people["minh"],
            data=cases.IntakeData(
                unit=org.units["tinh_p2"],
                source="to_giac",
                name="Lừa đảo chiếm đoạt tài sản",
                received_on=today - dt.timedelta(days=days),
                restricted=restricted,
            ),
        )
    horizon = today + dt.timedelta(days=units.WEEK)
    different, shown = {}, 0
    for user in User.objects.select_related("unit", "position").order_by("username"):
        led = led_units(user)
        if len(led) != 1:
            continue
        built = _shown(units._figures_built(user, led, today, horizon))
        prebuilt = _shown(units._figures_of_one_unit(user, led[0], today, horizon))
        shown += bool(built[3] or built[4])
        if built != prebuilt:
            different[user.username] = (built, prebuilt)
    assert not different, different
    assert shown >= 2  # the urgent items were compared, not only empty lists
