"""The desk widget "Lịch hôm nay" (agenda/widgets.py): today's hearings, limits ending today and
documents due today of the signed-in user, from the demo data and from data added a moment ago.

"Today" is the desk's local date (timezone.localdate(), Asia/Ho_Chi_Minh), never the machine's
date; `_today()` waits out the last seconds before local midnight so that the data a test dates
today is still today when its page is drawn."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from typing import Any

import pytest
from django.utils import timezone

from digitaldesk.accounts.models import Position, User
from digitaldesk.agenda.widgets import DOCUMENTS, HEARINGS, PLAYLISTS, ROWS
from digitaldesk.casefiles.demo import PLAYLIST_TITLE, demo_casefile
from digitaldesk.cases import events, selectors
from digitaldesk.cases import services as cases
from digitaldesk.cases.demo import TRIAL_CASE, build_trial
from digitaldesk.cases.models import Case, ComputedDeadline
from digitaldesk.core import facts
from digitaldesk.desk import registry
from digitaldesk.documents import services as documents
from digitaldesk.documents.demo import DUE_TODAY_CODE, demo_document_due_today
from digitaldesk.documents.models import IncomingDocument
from digitaldesk.law.deadlines import EventKind as E
from tests.conftest import login_client
from tests.support.queries import (
    WIDGET_QUERY_BUDGET,
    desk_home_queries,
    desk_request,
    widget_queries,
)

pytestmark = pytest.mark.django_db

TITLE = "Lịch hôm nay"


def _today() -> dt.date:
    """The desk's date, at least a minute before it changes (waits for local midnight otherwise)."""
    now = timezone.localtime()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=now.tzinfo)
    if (midnight - now).total_seconds() < 60:
        time.sleep((midnight - now).total_seconds() + 1)
    return timezone.localdate()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """That local time of the desk (Asia/Ho_Chi_Minh), as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _section(html: str) -> str:
    heading = f">{TITLE}</h2>"
    if heading not in html:
        return ""
    start = html.index(heading)
    return html[start : html.find("</section>", start)]


def _rows(html: str) -> list[str]:
    """The widget's rows as plain text (tags removed, spaces collapsed)."""
    body = _section(html)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ][1:]


def _cut(text: str, length: int = 120) -> str:
    """`text` as the template's truncatechars:120 shows it."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _widget(client: Any) -> list[str]:
    return _rows(client.get("/").content.decode())


def _official(org: Any, username: str, unit: str = "tinh_p2", position: str = "ksv-so-cap") -> User:
    return User.objects.create(
        username=username,
        full_name=f"Nguyễn Văn {username.title()}",
        unit=org.units[unit],
        position=Position.objects.get(code=position),
        must_change_password=False,
    )


def _report(org: Any, name: str, received_on: dt.date) -> Case:
    """A denunciation taken in by minh for Phòng 2 (minh is assigned: he takes it in)."""
    return cases.case_register(
        actor=org.people["minh"],
        data=cases.IntakeData(
            unit=org.units["tinh_p2"], source="to_giac", name=name, received_on=received_on
        ),
    )


@pytest.fixture
def demo_day(org: Any, isolated_storage: Any) -> Case:
    """The demo's day: minh's case at trial today (the limit to open the hearing ends today), its
    case file's playlist for today's hearing, and a document due today (minh chủ trì, mai phối
    hợp)."""
    _today()
    out = io.StringIO()
    case = build_trial(org, out)
    demo_casefile(org, out)
    demo_document_due_today(org, out)
    assert case is not None, out.getvalue()
    return case


def test_the_demo_day_shows_for_whom_it_concerns(org: Any, as_user: Any, demo_day: Case) -> None:
    """GIVEN the demo's day
    THEN minh (assigned) and son.tp2 (leader in charge) see today's hearing with its playlist and
    the limit ending today, and the document due today (minh handles it, son.tp2's Phòng 2 has it);
    mai (phối hợp) sees only the document — she sees the case but does not handle it; a prosecutor
    of another unit, the clerk, the Viện trưởng and the inspector of Phòng 2 see no such widget."""
    case = demo_day
    hearing = (
        "Phiên tòa Xét xử vụ án Ngày xét xử ghi trong danh sách trình chiếu Danh sách trình "
        f"chiếu “{PLAYLIST_TITLE}”"
    )
    deadline = "Hết thời hạn Thời hạn mở phiên tòa sơ thẩm BLTTHS 2015, Điều 277, khoản 3"
    document = IncomingDocument.objects.get(code_notation=DUE_TODAY_CODE)
    for key in ("minh", "tp2"):
        rows = _widget(as_user(key))
        assert rows == [
            f"Trong ngày {hearing} {case.register_label} — {TRIAL_CASE}",
            f"Trong ngày {deadline} {case.register_label} — {TRIAL_CASE}",
            f"Trong ngày Văn bản {_cut('Hạn giải quyết: ' + document.subject)} "
            f"Số đến {document.arrival_number} — {DUE_TODAY_CODE} Khẩn",
        ], key
    page = _section(as_user("minh").get("/").content.decode())
    assert (
        f'href="/an-hinh-su/{case.pk}/#thoi-han"' in page
        and f'href="/van-ban/den/{document.pk}/"' in page
    )
    casefile = case.casefiles.get()
    assert f'href="/ho-so-so/{casefile.pk}/#trinh-chieu"' in page
    assert selectors.cases_visible_to(org.people["mai"]).filter(pk=case.pk).exists()
    assert [row.split(" Hạn giải quyết")[0] for row in _widget(as_user("mai"))] == [
        "Trong ngày Văn bản"
    ]
    for key in ("ksvcc", "kv1_ksv", "lan", "huong", "ktv", "thanhtra"):
        assert _widget(as_user(key)) == [], key
    # Each link leads to a page whose own gate lets the user in.
    client = as_user("minh")
    for url in (
        f"/an-hinh-su/{case.pk}/",
        f"/ho-so-so/{casefile.pk}/",
        f"/van-ban/den/{document.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    assert as_user("ksvcc").get(f"/ho-so-so/{casefile.pk}/").status_code == 404


def test_sorted_by_time_then_by_kind_and_recorded_hearing_merges_its_playlist(
    org: Any, as_user: Any, demo_day: Case
) -> None:
    """GIVEN the demo's day
    WHEN minh records that the hearing opened at 08:00 (which closes the limit to open it) and a
    person is held in another of his cases since 10:30 three days ago (custody counted in hours ends
    today at 10:30)
    THEN the day reads: 08:00 the hearing with its playlist, until 10:30 the custody, then the
    document due some time today."""
    day = _today()
    minh = org.people["minh"]
    events.event_record(
        actor=minh,
        case=demo_day,
        data=events.EventData(kind=E.MO_PHIEN_TOA, on=day, at=_at(day, 8)),
    )
    fraud = _report(org, "Lừa đảo qua ứng dụng đầu tư", day - dt.timedelta(days=10))
    held = cases.accused_add(
        actor=minh, case=fraud, data=cases.AccusedData(full_name="Đào Quang Hải", birth_year=1992)
    )
    events.event_record(
        actor=minh,
        case=fraud,
        data=events.EventData(
            kind=E.TAM_GIU,
            on=day - dt.timedelta(days=3),
            at=_at(day - dt.timedelta(days=3), 10, 30),
            days=3,
            accused=held,
            number="88/QĐTG-CSĐT",
        ),
    )
    assert ComputedDeadline.objects.get(case=fraud, kind="tam_giu", running=True).end == day
    rows = _widget(as_user("minh"))
    due_today = IncomingDocument.objects.get(code_notation=DUE_TODAY_CODE)
    assert [row.split(" — ")[0] for row in rows] == [
        f"08:00 Phiên tòa Mở phiên tòa sơ thẩm Danh sách trình chiếu “{PLAYLIST_TITLE}” "
        f"{demo_day.register_label}",
        "đến 10:30 Hết thời hạn Thời hạn tạm giữ",
        f"Trong ngày Văn bản {_cut('Hạn giải quyết: ' + due_today.subject)} "
        f"Số đến {due_today.arrival_number}",
    ]
    assert "Đào Quang Hải" in rows[1] and fraud.register_label in rows[1]


def test_appears_on_the_very_next_load_and_goes_with_its_data(
    org: Any, as_user: Any, demo_day: Case
) -> None:
    """A new prosecutor of Phòng 2 has nothing today; each change shows (or hides) the widget on the
    very next page: assigned to the case at trial, unassigned, a document due today directed to
    them, its due date moved, the hearing's playlist moved to another day."""
    day = _today()
    new = _official(org, "moi.ksv")
    client = login_client(new)
    assert _widget(client) == []
    cases.assignment_add(actor=org.people["tp2"], case=demo_day, user=new, role="ksv")
    assert [row.split(" ")[2] for row in _widget(client)] == ["Phiên", "Hết"]
    cases.assignment_end(actor=org.people["tp2"], case=demo_day, user=new)
    assert _widget(client) == []
    letter = documents.incoming_register(
        actor=org.people["lan"],
        data=documents.IncomingData(
            sender="Tòa án nhân dân tỉnh Thăng Hoa",
            code_notation="77/TB-TA",
            doc_type="thong_bao",
            subject="Thông báo lịch xét xử tháng 12",
            due_date=day,
        ),
    )
    documents.incoming_direct(
        actor=org.people["huong"],
        document=letter,
        direction=documents.Direction(note="Đồng chí Mới nghiên cứu", lead_users=[new]),
    )
    assert _widget(client) == [
        f"Trong ngày Văn bản Hạn giải quyết: Thông báo lịch xét xử tháng 12 "
        f"Số đến {letter.arrival_number} — 77/TB-TA"
    ]
    IncomingDocument.objects.filter(pk=letter.pk).update(due_date=day + dt.timedelta(days=1))
    assert _widget(client) == []
    # The playlist is moved to tomorrow: for minh, the hearing row goes, the limit ending today
    # stays.
    demo_day.casefiles.get().playlists.update(hearing_date=day + dt.timedelta(days=1))
    assert [row.split(" ")[2] for row in _widget(as_user("minh"))] == ["Hết", "Văn"]


def test_a_leader_sees_documents_waiting_for_direction_due_today(org: Any, as_user: Any) -> None:
    """The Viện trưởng must direct a document due today that is still waiting in the register;
    nobody else has it in their day."""
    day = _today()
    assert _widget(as_user("huong")) == []
    documents.incoming_register(
        actor=org.people["lan"],
        data=documents.IncomingData(
            sender="Ủy ban nhân dân tỉnh Thăng Hoa",
            code_notation="301/UBND-NC",
            doc_type="cong_van",
            subject="Đề nghị phối hợp tổng kết công tác phòng, chống tội phạm",
            due_date=day,
        ),
    )
    rows = _widget(as_user("huong"))
    assert len(rows) == 1 and "Chờ bút phê, phân công" in rows[0] and "301/UBND-NC" in rows[0]
    for key in ("minh", "lan", "tp2"):
        assert _widget(as_user(key)) == [], key


def test_a_restricted_case_shows_to_its_leader_in_charge_and_assignees_only(
    org: Any, as_user: Any, demo_day: Case
) -> None:
    """Restricting the case at trial hides it from the unit (rule 5) but not from those who handle
    it."""
    cases.restriction_set(
        actor=org.people["tp2"], case=demo_day, restricted=True, reason="Bảo vệ bị hại"
    )
    assert not selectors.cases_visible_to(org.people["mai"]).filter(pk=demo_day.pk).exists()
    for key in ("minh", "tp2"):
        assert any("Phiên tòa" in row for row in _widget(as_user(key))), key
    assert not any("Phiên tòa" in row for row in _widget(as_user("ptp2")))


def test_the_cases_handled_are_always_cases_the_user_sees(org: Any, demo_day: Case) -> None:
    """`handled_by` (assigned and not ended, or leader in charge) is within the register's gate for
    every persona, restricted cases included."""
    cases.restriction_set(
        actor=org.people["tp2"], case=demo_day, restricted=True, reason="Bảo vệ bị hại"
    )
    for user in User.objects.all():
        handled = set(Case.objects.filter(selectors.handled_by(user)).values_list("pk", flat=True))
        assert handled <= set(selectors.cases_visible_to(user).values_list("pk", flat=True)), (
            user.username
        )
    assert demo_day.pk in set(
        Case.objects.filter(selectors.handled_by(org.people["tp2"])).values_list("pk", flat=True)
    )
    assert selectors.HEARING_KINDS[2] == events.RegisterKind.XET_XU_PHUC_THAM


def test_the_parts_the_facts_skip_are_empty(org: Any, demo_day: Case) -> None:
    """For every persona, the widget as the desk home calls it (facts asked, parts with a false fact
    skipped) shows exactly what it shows called on its own (no fact known), and a user with nothing
    today costs no query beyond the page's one facts query."""
    item = next(w for w in registry.registered() if w.key == "desk.today")
    for user in User.objects.all():
        request = desk_request(user)
        answers = facts.evaluate(request, item.fact_names)
        page = item.context(request) if item.allowed_by(answers) else None
        alone = item.context(desk_request(user))
        assert (page and [i.title for i in page["items"]]) == (
            alone and [i.title for i in alone["items"]]
        ), user.username
    answers = facts.evaluate(desk_request(org.people["mai"]), item.fact_names)
    assert answers[DOCUMENTS] and not answers[HEARINGS] and not answers[PLAYLISTS]


def test_within_the_query_budget_and_no_query_per_row(
    org: Any, as_user: Any, demo_day: Case
) -> None:
    """GIVEN minh's day with one item of each kind
    WHEN more hearings, playlists, limits ending today and documents due today are added (beyond the
    rows the widget shows)
    THEN the widget runs the same queries: at most 6 (one per part — hearing acts, playlists,
    limits, documents, scheduled hearings — and the delegations behind "leads a unit?" that the
    page's request memo already holds); on the desk home, one per part."""
    day = _today()
    minh = org.people["minh"]
    before = widget_queries(minh)["desk.today"]
    assert len(before) <= min(6, WIDGET_QUERY_BUDGET)
    casefile = demo_day.casefiles.get()
    from digitaldesk.casefiles import services as casefiles

    for index in range(ROWS // 3 + 1):
        casefiles.playlist_create(
            actor=minh, casefile=casefile, title=f"Danh sách {index}", but_luc=[2], hearing_date=day
        )
        other = _report(org, f"Vụ thứ {index}", day - dt.timedelta(days=5))
        events.event_record(
            actor=minh,
            case=other,
            data=events.EventData(
                kind=events.RegisterKind.XET_XU_PHUC_THAM,
                on=day,
                at=_at(day, 9, index),
                number=f"{index}/PT",
            ),
        )
        held = cases.accused_add(
            actor=minh,
            case=other,
            data=cases.AccusedData(full_name=f"Người bị giữ {index}", birth_year=1990),
        )
        events.event_record(
            actor=minh,
            case=other,
            data=events.EventData(
                kind=E.TAM_GIU,
                on=day - dt.timedelta(days=3),
                at=_at(day - dt.timedelta(days=3), 11),
                days=3,
                accused=held,
                number=f"{index}/QĐTG",
            ),
        )
        letter = documents.incoming_register(
            actor=org.people["lan"],
            data=documents.IncomingData(
                sender="Cơ quan Cảnh sát điều tra",
                code_notation=f"{index}/CSĐT",
                doc_type="cong_van",
                subject=f"Đề nghị số {index}",
                due_date=day,
            ),
        )
        documents.incoming_direct(
            actor=org.people["huong"],
            document=letter,
            direction=documents.Direction(note="Giao đồng chí Minh", lead_users=[minh]),
        )
    after = widget_queries(minh)["desk.today"]
    assert len(after) == len(before), "\n".join(after)
    client = as_user("minh")
    page = desk_home_queries(client)
    assert sum(1 for sql in page if sql.startswith("SELECT EXISTS")) == 1
    assert sum(1 for sql in page if sql.endswith(f"LIMIT {ROWS + 1}")) == 4  # the four parts
    html = client.get("/").content.decode()
    assert len(_rows(html)) == ROWS and "Còn việc khác trong ngày" in _section(html)


def test_the_documents_part_is_incoming_for_me_due_today(org: Any, demo_day: Case) -> None:
    """The prebuilt documents of the widget are `documents.selectors.incoming_due_for_me` for every
    persona: an official (in person only), a leader of one unit at depth 1 (Viện trưởng) and 2
    (Trưởng phòng), a prosecutor leading Phòng 2 by delegation, and a leader of two units (the
    ORM)."""
    from digitaldesk.accounts.models import Delegation
    from digitaldesk.accounts.selectors import led_units
    from digitaldesk.agenda.widgets import _documents
    from digitaldesk.documents.selectors import incoming_due_for_me

    day = _today()
    documents.incoming_register(
        actor=org.people["lan"],
        data=documents.IncomingData(
            sender="Ủy ban nhân dân tỉnh Thăng Hoa",
            code_notation="302/UBND-NC",
            doc_type="cong_van",
            subject="Đề nghị báo cáo số liệu",
            due_date=day,
        ),
    )  # waiting for the Viện trưởng's direction
    to_unit = documents.incoming_register(
        actor=org.people["lan"],
        data=documents.IncomingData(
            sender="Tòa án nhân dân tỉnh Thăng Hoa",
            code_notation="78/TB-TA",
            doc_type="thong_bao",
            subject="Thông báo lịch xét xử",
            due_date=day,
        ),
    )
    documents.incoming_direct(
        actor=org.people["huong"],
        document=to_unit,
        direction=documents.Direction(
            note="Phòng 1 chủ trì",
            lead_units=[org.units["tinh_p1"]],
            support_units=[org.units["tinh_p2"]],
        ),
    )
    tp2, minh, kv1_vt = org.people["tp2"], org.people["minh"], org.people["kv1_vt"]
    Delegation.objects.create(
        grantor=tp2,
        grantee=minh,
        unit=org.units["tinh_p2"],
        starts_on=day,
        ends_on=day,
        scope="Điều hành Phòng 2",
        created_by=tp2,
    )
    Delegation.objects.create(
        grantor=kv1_vt,
        grantee=tp2,
        unit=org.units["kv1"],
        starts_on=day,
        ends_on=day,
        scope="Điều hành VKSND khu vực 1",
        created_by=kv1_vt,
    )
    shapes = set()
    for user in User.objects.select_related("unit", "position"):
        shapes.add(
            len(led_units(user))
            if len(led_units(user)) != 1
            else -len(led_units(user)[0].ancestors_and_self)
        )
        items, _ = _documents(user, day)
        expected = list(
            incoming_due_for_me(user, day)
            .order_by("-year", "-arrival_number")
            .values_list("pk", flat=True)[: ROWS + 1]
        )
        assert [item.document.pk for item in items] == expected, user.username
    assert {0, -1, -2, 2} <= shapes  # no unit led; one at depth 1 and 2; two units
    assert [i.about for i in _documents(org.people["huong"], day)[0]] == [
        f"Số đến {IncomingDocument.objects.get(code_notation='302/UBND-NC').arrival_number}"
    ]
