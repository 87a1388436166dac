"""Desk facts (core/facts.py): the cheap yes/no questions that let the desk home skip the widgets
with nothing to show. A fact may be wrongly true (the widget then runs and hides itself), never
wrongly false; every fact is asked afresh on each page, so new data shows on the very next load."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digitaldesk.accounts.models import Position, User
from digitaldesk.accounts.selectors import effective_roles
from digitaldesk.core import facts
from digitaldesk.core.demo import demo_steps
from digitaldesk.core.facts import fact
from digitaldesk.core.memo import RequestMemoMiddleware
from digitaldesk.core.widgets import widget
from digitaldesk.desk import registry
from tests.conftest import login_client
from tests.support.queries import desk_request

pytestmark = pytest.mark.django_db


def _official(org: Any, username: str = "moi.cb", unit: str = "tinh_p2") -> User:
    """A plain prosecutor with nothing yet: no case, no document, no job."""
    return User.objects.create(
        username=username,
        full_name="Nguyễn Văn Mới",
        unit=org.units[unit],
        position=Position.objects.get(code="ksv-so-cap"),
        must_change_password=False,
    )


def _section(html: str, title: str) -> str:
    """The widget section titled `title` on a desk home page ("" when absent)."""
    heading = f">{title}</h2>"
    if heading not in html:
        return ""
    start = html.index(heading)
    return html[start : html.find("</section>", start)]


def _check_contract(people: dict[str, User]) -> list[str]:
    """Every (persona, widget) where a required fact is false although the widget has something."""
    broken = []
    for key, user in people.items():
        request = desk_request(user)
        items = [w for w in registry.registered() if w.fact_names]
        answers = facts.evaluate(request, sorted({n for w in items for n in w.fact_names}))
        for item in items:
            if item.allowed_by(answers):
                continue
            if item.context(desk_request(user)) is not None:
                broken.append(
                    f"{item.key} for {key}: facts {[(n, answers[n]) for n in item.fact_names]}"
                )
    return broken


def test_a_false_fact_always_means_an_empty_widget_with_the_demo_data(org: Any) -> None:
    """GIVEN the whole demo (documents routed, cases with deadlines, a case file being read,
    certificates, delegations…) and a brand-new official
    THEN for every persona, each widget whose facts are not all true would indeed show nothing."""
    for step in demo_steps():
        step(org, io.StringIO())
    people = {**org.people, "moi": _official(org)}
    assert _check_contract(people) == []
    # And the facts do hide something: the new official's desk skips every widget that has facts.
    answers = facts.evaluate(desk_request(people["moi"]), sorted(facts.registered_facts()))
    assert not any(
        answers[name]
        for name in (
            "cases.assigned",
            "documents.todo",
            "documents.overdue",
            "jobs.mine",
            "signing.expiring",
            "accounts.delegations",
            "desk.today_hearings",
            "desk.today_playlists",
            "desk.today_deadlines",
            "desk.today_documents",
        )
    )
    # The demo has a hearing today (cases/demo.py build_trial): minh's schedule is not skipped.
    minh = facts.evaluate(desk_request(people["minh"]), sorted(facts.registered_facts()))
    assert (
        minh["desk.today_playlists"]
        and minh["desk.today_deadlines"]
        and minh["desk.today_documents"]
    )


def test_all_facts_of_a_page_cost_one_query(org: Any) -> None:
    """Inside a page (the request memo holds the user's delegations, read for the roles)."""
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        request.user = desk_request(_official(org)).user
        effective_roles(request.user)  # type: ignore[arg-type]
        with CaptureQueriesContext(connection) as first:
            answers = facts.evaluate(request, sorted(facts.registered_facts()))
        with CaptureQueriesContext(connection) as again:  # asked again on the same request: kept
            assert facts.evaluate(request, sorted(facts.registered_facts())) == answers
        seen.update(
            first=[q["sql"] for q in first.captured_queries],
            again=again.captured_queries,
            known=(facts.known(request, "cases.assigned"), facts.known(request, "nothing.asked")),
        )
        return HttpResponse("ok")

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    assert len(seen["first"]) == 1 and seen["first"][0].startswith("SELECT EXISTS"), seen["first"]
    assert seen["again"] == [] and seen["known"] == (False, None)


def test_a_widget_whose_fact_is_false_is_not_even_called(
    org: Any, as_user: Any, extra_widgets: list[str]
) -> None:
    from digitaldesk.notifications.models import Notification

    calls: list[str] = []

    @fact("test.has_notification")
    def has_notification(request: HttpRequest) -> Any:
        return Notification.objects.filter(user=request.user, title__startswith="Lịch họp")

    @widget(
        "test.meetings",
        title="Lịch họp hôm nay",
        order=1,
        template="desk/test_widget.html",
        requires=("test.has_notification",),
    )
    def meetings(request: HttpRequest) -> dict[str, Any] | None:
        calls.append(request.user.username)  # type: ignore[union-attr]
        return {"text": "Họp giao ban lúc 8 giờ"}

    extra_widgets += ["test.has_notification", "test.meetings"]
    client = as_user("minh")
    assert "Lịch họp hôm nay" not in client.get("/").content.decode()
    assert calls == []
    from digitaldesk.notifications.services import notify

    notify(users=[org.people["minh"]], title="Lịch họp giao ban tuần")
    assert "Họp giao ban lúc 8 giờ" in client.get("/").content.decode()  # the very next load
    assert calls == ["minh.ksv"]


def test_a_failing_or_unknown_fact_shows_the_widget_rather_than_hiding_it(
    org: Any, as_user: Any, extra_widgets: list[str]
) -> None:
    @fact("test.broken")
    def broken(request: HttpRequest) -> Any:
        raise ValueError("hỏng")

    @widget(
        "test.a",
        title="Mục có điều kiện hỏng",
        order=1,
        template="desk/test_widget.html",
        requires=("test.broken",),
    )
    def a(request: HttpRequest) -> dict[str, Any] | None:
        return {"text": "vẫn hiện"}

    @widget(
        "test.b",
        title="Mục có điều kiện lạ",
        order=2,
        template="desk/test_widget.html",
        requires=("test.never_registered",),
    )
    def b(request: HttpRequest) -> dict[str, Any] | None:
        return {"text": "cũng hiện"}

    extra_widgets += ["test.broken", "test.a", "test.b"]
    page = as_user("minh").get("/").content.decode()
    assert "vẫn hiện" in page and "cũng hiện" in page


# --- Each widget with facts appears on the very next load after its data appears ----------------
def test_documents_widgets_appear_as_soon_as_a_document_is_routed(org: Any, as_user: Any) -> None:
    from digitaldesk.documents import services
    from digitaldesk.documents.models import IncomingDocument

    new = _official(org)
    client = login_client(new)
    home = client.get("/").content.decode()
    assert (
        "Nguyễn Văn Mới" in home
        and _section(home, "Văn bản cần xử lý") == ""
        and _section(home, "Văn bản quá hạn") == ""
    )
    document = services.incoming_register(
        actor=org.people["lan"],
        data=services.IncomingData(
            sender="Viện kiểm sát nhân dân tối cao",
            code_notation="93/TB-VKSTC",
            subject="Kết luận về chuyển đổi số",
            doc_type="thong_bao",
            due_date=timezone.localdate() + dt.timedelta(days=3),
        ),
    )
    services.incoming_direct(
        actor=org.people["huong"],
        document=document,
        direction=services.Direction(note="Anh Mới chủ trì", lead_users=[new]),
    )
    home = client.get("/").content.decode()
    assert "Kết luận về chuyển đổi số" in _section(home, "Văn bản cần xử lý")
    assert _section(home, "Văn bản quá hạn") == ""
    # Days pass: the due date is behind us.
    IncomingDocument.objects.filter(pk=document.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    assert "Kết luận về chuyển đổi số" in _section(
        client.get("/").content.decode(), "Văn bản quá hạn"
    )


def test_case_widgets_appear_as_soon_as_a_case_is_assigned(org: Any, as_user: Any) -> None:
    from digitaldesk.cases import services
    from digitaldesk.cases.models import ComputedDeadline, SourceKind

    new = _official(org, unit="tinh_p1")  # Phòng 1 has no case: nothing visible yet
    client = login_client(new)
    home = client.get("/").content.decode()
    assert (
        "Nguyễn Văn Mới" in home
        and _section(home, "Án tôi được phân công") == ""
        and _section(home, "Thời hạn tố tụng tuần này / quá hạn") == ""
    )
    case = services.case_register(
        actor=org.people["minh"],
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.DENUNCIATION,
            name="Lừa đảo chiếm đoạt tài sản",
            received_on=timezone.localdate() - dt.timedelta(days=18),
        ),
    )
    services.assignment_add(actor=org.people["tp2"], case=case, user=new, role="ksv")
    home = client.get("/").content.decode()
    mine = _section(home, "Án tôi được phân công")
    nearest = ComputedDeadline.objects.filter(case=case, running=True).order_by("end").first()
    assert nearest is not None and f"hạn gần nhất {nearest.end:%d/%m/%Y}" in mine
    assert "Lừa đảo chiếm đoạt tài sản" in mine and case.register_label in mine
    assert "Tất cả 1 án đang giải quyết" in mine
    deadlines = _section(home, "Thời hạn tố tụng tuần này / quá hạn")
    assert (
        case.register_label in deadlines
    )  # received 18 days ago: the 20-day limit to settle it ends in 2 days


def test_job_and_delegation_widgets_appear_at_once(org: Any, as_user: Any) -> None:
    from digitaldesk.accounts import services as accounts
    from digitaldesk.jobs.services import enqueue

    client = as_user("mai")
    home = client.get("/").content.decode()
    assert (
        _section(home, "Công việc nền của tôi") == ""
        and _section(home, "Ủy quyền đang hiệu lực") == ""
    )
    enqueue("jobs.selftest", user=org.people["mai"], steps=1, sleep_seconds=0)
    today = timezone.localdate()
    accounts.delegation_create(
        actor=org.people["tp2"],
        grantee=org.people["mai"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        scope="Điều hành Phòng 2 khi Trưởng phòng vắng",
    )
    home = client.get("/").content.decode()
    assert "Kiểm tra hàng đợi công việc nền" in _section(home, "Công việc nền của tôi")
    assert "Điều hành Phòng 2" in _section(home, "Ủy quyền đang hiệu lực")
    assert "đang điều hành thay bạn" in _section(
        as_user("tp2").get("/").content.decode(), "Ủy quyền đang hiệu lực"
    )


def test_an_expiring_certificate_appears_at_once(org: Any, as_user: Any) -> None:
    from digitaldesk.signing import services
    from digitaldesk.signing.demo import DEMO_PIN

    client = as_user("ktv")
    assert _section(client.get("/").content.decode(), "Chứng thư số sắp hết hạn") == ""
    services.demo_issue_credential(
        actor=None,
        pin=DEMO_PIN,
        user=org.people["ktv"],
        days=40,
        not_before=timezone.now() - dt.timedelta(days=30),
    )
    assert "còn 9 ngày" in _section(client.get("/").content.decode(), "Chứng thư số sắp hết hạn")


def test_the_delegation_read_with_the_user_matches_the_delegations_query(org: Any) -> None:
    """accounts.backends reads "holds a delegation today" with the user (plain SQL): the same
    answer as `active_delegations_to` for a delegation running, future, past and revoked."""
    from digitaldesk.accounts.models import Delegation
    from digitaldesk.accounts.selectors import active_delegations_to, holds_delegation_sql

    today = timezone.localdate()
    tp2 = org.people["tp2"]
    ranges = {"minh": (-1, 2), "mai": (1, 3), "ktv": (-5, -1), "ptp2": (0, 0)}
    for key, (start, end) in ranges.items():
        Delegation.objects.create(
            grantor=tp2,
            grantee=org.people[key],
            unit=org.units["tinh_p2"],
            starts_on=today + dt.timedelta(days=start),
            ends_on=today + dt.timedelta(days=end),
            scope="Điều hành Phòng 2",
            created_by=tp2,
        )
    Delegation.objects.create(
        grantor=tp2,
        grantee=org.people["ksvcc"],
        unit=org.units["tinh_p2"],
        starts_on=today,
        ends_on=today,
        scope="Điều hành Phòng 2",
        created_by=tp2,
        revoked_at=timezone.now(),
    )
    read = dict(User.objects.annotate(d=holds_delegation_sql()).values_list("pk", "d"))
    for user in User.objects.all():
        assert read[user.pk] is active_delegations_to(user).exists(), user.username
    assert sorted(pk for pk, held in read.items() if held) == sorted(
        [org.people["minh"].pk, org.people["ptp2"].pk]
    )


def test_a_delegation_gives_the_leader_widgets_on_the_very_next_page(
    org: Any, as_user: Any
) -> None:
    from digitaldesk.accounts import services as accounts

    client = as_user("minh")
    assert _section(client.get("/").content.decode(), "Cán bộ đơn vị tôi phụ trách") == ""
    today = timezone.localdate()
    accounts.delegation_create(
        actor=org.people["tp2"],
        grantee=org.people["minh"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
        scope="Điều hành Phòng 2 khi Trưởng phòng vắng",
    )
    home = client.get("/").content.decode()
    assert "Phòng 2" in _section(home, "Cán bộ đơn vị tôi phụ trách")
    assert "Điều hành Phòng 2" in _section(home, "Ủy quyền đang hiệu lực")


def test_the_unread_widget_and_the_bell_agree_with_the_plain_queries(
    org: Any, as_user: Any
) -> None:
    """The widget's unread notifications are taken from the bell's query when they are certainly
    there; whatever the mix of read and unread, they are the 6 most recent unread ones."""
    from digitaldesk.notifications.models import Notification
    from digitaldesk.notifications.services import mark_read, notify

    minh = org.people["minh"]
    client = as_user("minh")
    for round_, (new, read_latest) in enumerate([(3, 0), (5, 0), (4, 3), (2, 2), (9, 8)]):
        for index in range(new):
            notify(users=[minh], title=f"Thông báo {round_}.{index}")
        for item in Notification.objects.filter(user=minh, read_at__isnull=True).order_by(
            "-created_at"
        )[:read_latest]:
            mark_read(user=minh, notification_id=item.pk)
        home = client.get("/").content.decode()
        widget = _section(home, "Thông báo chưa đọc")
        unread = list(
            Notification.objects.filter(user=minh, read_at__isnull=True).order_by("-created_at")
        )
        shown = [n.title for n in unread[:6]]
        assert [
            t
            for t in (n.title for n in Notification.objects.filter(user=minh))
            if f">{t}</a>" in widget
        ] == shown
        if len(unread) > 6:
            assert f"Và {len(unread) - 6} thông báo khác." in widget
        assert f'data-unread="{len(unread)}"' in home or not unread  # the bell counts at once
