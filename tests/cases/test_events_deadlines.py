"""Procedural events drive the stored deadlines; the Code's limits on extensions are enforced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from digitaldesk.cases import events, services
from digitaldesk.cases.deadlines import deadline_alerts, deadlines_recompute_all
from digitaldesk.cases.models import ComputedDeadline, Measure, ProceduralEvent, Stage
from digitaldesk.law.deadlines import EventKind as E
from digitaldesk.notifications.models import Notification

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def detained(org, make_case):
    """A fraud case (BLHS 174 khoản 2: nghiêm trọng) with one accused in detention for
    investigation."""
    minh = org.people["minh"]
    case = make_case("minh", received=50, leader_in_charge=org.people["tp2"])
    record(minh, case, E.KHOI_TO_VU_AN, 45, number="10/QĐ-CSĐT")
    person = add_accused(minh, case, "Phan Thị Cúc")
    services.charge_add(actor=minh, case=case, article="174", clause=2, accused=person)
    record(minh, case, E.KHOI_TO_BI_CAN, 44, accused=person)
    record(minh, case, E.PHE_CHUAN_KHOI_TO_BI_CAN, 43, accused=person)
    record(minh, case, E.TAM_GIAM, 43, accused=person, months=2, number="05/LTG")
    case.refresh_from_db()
    person.refresh_from_db()
    return case, person


def test_detention_and_investigation_limits_with_their_articles(detained):
    case, person = detained
    assert case.stage == Stage.INVESTIGATION
    rows = {d.kind: d for d in ComputedDeadline.objects.filter(case=case, running=True)}
    detention = rows["tam_giam"]
    assert detention.accused == person and detention.start == ago(43)
    assert detention.basis.startswith("BLTTHS 2015, Điều 173")
    # 2 months of detention = 60 days counted continuously, both ends included (TTLT 04/2018 Điều
    # 17)
    assert (detention.end - detention.start).days == 59
    investigation = rows["dieu_tra"]
    assert investigation.basis.startswith("BLTTHS 2015, Điều 172") and investigation.start == ago(
        45
    )
    assert investigation.extensions_max == 2  # nghiêm trọng: two extensions (Điều 172 khoản 2)
    assert person.measure == Measure.DETENTION and person.measure_until == detention.end


def test_extension_recorded_then_one_beyond_the_code_refused(org, detained):
    case, person = detained
    minh = org.people["minh"]
    before = ComputedDeadline.objects.get(case=case, kind="dieu_tra").end
    record(minh, case, E.GIA_HAN_DIEU_TRA, 3, months=3, number="01/QĐ-VKS")
    after = ComputedDeadline.objects.get(case=case, kind="dieu_tra")
    assert after.extensions_used == 1 and after.end > before
    record(minh, case, E.GIA_HAN_DIEU_TRA, 2, months=2, number="02/QĐ-VKS")
    with pytest.raises(ValidationError) as info:
        record(minh, case, E.GIA_HAN_DIEU_TRA, 1, months=2, number="03/QĐ-VKS")
    message = " ".join(info.value.messages)
    assert "Điều 172" in message
    assert case.events.filter(kind=E.GIA_HAN_DIEU_TRA).count() == 2


def test_cancelling_a_wrong_event_restores_the_state_and_keeps_it(org, detained):
    case, person = detained
    minh = org.people["minh"]
    released = record(minh, case, E.TRA_TU_DO, 2, accused=person)
    person.refresh_from_db()
    assert person.measure == Measure.NONE
    assert not ComputedDeadline.objects.get(case=case, kind="tam_giam").running
    with pytest.raises(ValidationError, match="ít nhất 10 ký tự"):
        events.event_cancel(actor=minh, case=case, event_id=released.pk, reason="nhầm")
    changes = events.event_cancel(
        actor=minh, case=case, event_id=released.pk, reason="Ghi nhầm bị can, người khác"
    )
    person.refresh_from_db()
    assert person.measure == Measure.DETENTION
    assert ComputedDeadline.objects.get(case=case, kind="tam_giam").running
    assert any("nay đang tính" in line for line in changes)
    # Kept, out of the replay, with who, when and why.
    assert not ProceduralEvent.objects.filter(pk=released.pk).exists()
    kept = ProceduralEvent.with_cancelled.get(pk=released.pk)
    assert kept.cancelled_by == minh and kept.cancelled_at is not None
    assert kept.cancel_reason == "Ghi nhầm bị can, người khác"
    with pytest.raises(ValidationError, match="có thể đã được hủy"):
        events.event_cancel(actor=minh, case=case, event_id=released.pk, reason="x" * 20)


def test_an_event_a_later_one_presupposes_cannot_be_cancelled_first(org, detained):
    case, person = detained
    minh = org.people["minh"]
    charge = ProceduralEvent.objects.get(case=case, kind=E.KHOI_TO_BI_CAN)
    with pytest.raises(ValidationError, match="Hãy hủy ghi nhận quyết định đó trước") as refused:
        events.event_cancel(
            actor=minh, case=case, event_id=charge.pk, reason="Ghi nhầm ngày khởi tố bị can"
        )
    assert "Điều 165" in str(refused.value) or "Điều 119" in str(refused.value)
    assert ProceduralEvent.objects.filter(pk=charge.pk).exists()


def test_cancelling_through_the_page(org, detained, as_user):
    """The timeline shows a quiet "Hủy ghi nhận…" asking for a reason, then the struck entry."""
    case, person = detained
    minh = org.people["minh"]
    released = record(minh, case, E.TRA_TU_DO, 2, accused=person)
    client = as_user("minh")
    page = client.get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "Hủy ghi nhận…" in page and 'minlength="10"' in page
    assert 'value="Hủy ghi nhận nhầm"' not in page  # no canned reason
    url = f"/an-hinh-su/{case.pk}/dien-bien/{released.pk}/huy/"
    refused = client.post(url, {"reason": "nhầm"}, follow=True).content.decode()
    assert "ít nhất 10 ký tự" in refused
    assert ProceduralEvent.objects.filter(pk=released.pk).exists()
    done = client.post(url, {"reason": "Ghi nhầm người được trả tự do"}, follow=True)
    page = done.content.decode()
    assert "Thời hạn thay đổi" in page and "nay đang tính" in page
    assert 'class="cancelled"' in page and "<del>" in page
    assert "lý do: Ghi nhầm người được trả tự do" in page


def test_per_person_decision_needs_the_accused(org, detained):
    case, _ = detained
    with pytest.raises(ValidationError, match="phải chọn bị can"):
        record(org.people["minh"], case, E.TAM_GIAM, 1, months=1)


def test_closing_the_case_stops_its_limits(org, detained):
    case, person = detained
    # The VKS closes the case once it holds the file (BLTTHS 2015 Điều 248 khoản 1).
    record(org.people["minh"], case, E.VKS_NHAN_HO_SO, 2)
    record(org.people["minh"], case, E.DINH_CHI_VU_AN, 1, number="03/QĐ-VKS")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.closed_on == ago(1)
    assert not ComputedDeadline.objects.filter(
        case=case, running=True, kind__in=["dieu_tra", "tam_giam"]
    ).exists()


def test_nightly_recompute_writes_only_changes(org, detained):
    case, _ = detained
    ComputedDeadline.objects.filter(case=case, kind="tam_giam").update(end=ago(100), digest="stale")
    ComputedDeadline.objects.filter(case=case, kind="dieu_tra").delete()  # a missing row
    counts = deadlines_recompute_all()
    assert (
        counts["written"] == 2 and counts["deleted"] == 1
    )  # the stale row replaced, the missing one added
    again = deadlines_recompute_all()
    assert again["written"] == again["deleted"] == 0 and again["cases"] == 1
    assert ComputedDeadline.objects.get(case=case, kind="tam_giam").end != ago(100)


def test_alerts_go_to_the_prosecutor_and_the_leader_once(org, detained):
    case, _ = detained
    ComputedDeadline.objects.filter(case=case, kind="tam_giam").update(
        end=ago(-2)
    )  # ends in two days
    sent = deadline_alerts()
    assert sent >= 2
    mine = Notification.objects.filter(user=org.people["minh"], kind="cases.deadline")
    assert mine.filter(title__startswith="Còn 2 ngày: Thời hạn tạm giam").exists()
    assert Notification.objects.filter(
        user=org.people["tp2"], title__startswith="Còn 2 ngày"
    ).exists()
    assert "Điều 173" in mine.get(title__startswith="Còn 2 ngày: Thời hạn tạm giam").body
    assert not Notification.objects.filter(user=org.people["mai"], kind="cases.deadline").exists()
    assert deadline_alerts() == 0  # idempotent: a re-run the same day sends nothing new


def test_board_and_widgets_show_the_week(org, detained, as_user):
    case, _ = detained
    ComputedDeadline.objects.filter(case=case, kind="tam_giam").update(end=ago(-3))
    board = as_user("tp2").get("/an-hinh-su/thoi-han/").content.decode()
    assert "Thời hạn tạm giam" in board and "Điều 173" in board and case.register_label in board
    home = as_user("minh").get("/").content.decode()
    assert "Thời hạn tố tụng tuần này / quá hạn" in home and "Án tôi được phân công" in home
    assert "Thời hạn tạm giam" in home
    other = as_user("ksvcc").get("/an-hinh-su/thoi-han/").content.decode()
    assert case.register_label not in other


def test_event_form_with_pdf_and_bad_attachment(org, detained, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, person = detained
    client = as_user("minh")
    bad = client.post(
        f"/an-hinh-su/{case.pk}/dien-bien/",
        {
            "evt-kind": E.GIA_HAN_TAM_GIAM,
            "evt-on": ago(1).isoformat(),
            "evt-accused": person.pk,
            "evt-months": "1",
            "evt-attachment": SimpleUploadedFile(
                "x.pdf", b"not a pdf", content_type="application/pdf"
            ),
        },
    )
    assert bad.status_code == 400 and "phải là văn bản PDF" in bad.content.decode()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = client.post(
        f"/an-hinh-su/{case.pk}/dien-bien/",
        {
            "evt-kind": E.GIA_HAN_TAM_GIAM,
            "evt-on": ago(1).isoformat(),
            "evt-accused": person.pk,
            "evt-months": "1",
            "evt-number": "07/QĐ-VKS",
            "evt-attachment": SimpleUploadedFile("gh.pdf", pdf, content_type="application/pdf"),
        },
    )
    assert ok.status_code == 302
    event = case.events.get(kind=E.GIA_HAN_TAM_GIAM)
    download = client.get(f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban.pdf")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    assert (
        as_user("ksvcc").get(f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban.pdf").status_code
        == 404
    )


def test_case_page_names_the_unrecovered_law_once_and_only_where_a_row_depends_on_it(
    org, detained, as_user
):
    """Issue #12: no generic "chưa đối chiếu" on every row; an extension granted after
    01/07/2025 says which clause may differ (who extends), the partly held laws once a page."""
    case, _ = detained
    record(org.people["minh"], case, E.GIA_HAN_DIEU_TRA, 3, months=3, number="01/QĐ-VKS")
    rows = {d.kind: d for d in ComputedDeadline.objects.filter(case=case, running=True)}
    assert "Khoản 5 Điều 172 BLTTHS (thẩm quyền gia hạn điều tra)" in rows["dieu_tra"].note
    assert "cần đối chiếu" in rows["dieu_tra"].note
    assert "99/2025" not in rows["tam_giam"].note  # no extension of detention: nothing to check
    page = as_user("minh").get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "chưa đối chiếu các luật sửa đổi năm 2024–2025" not in page
    assert page.count("sửa đổi 111 điều BLTTHS") == 1


def test_a_crime_added_in_2025_can_be_charged(org, make_case):
    """Điều 256a BLHS (Luật 86/2025/QH15, from 01/07/2025) is in the text in force today."""
    minh = org.people["minh"]
    case = make_case("minh", received=10)
    person = add_accused(minh, case, "Lê Văn Tư")
    charge = services.charge_add(actor=minh, case=case, article="256a", clause=1, accused=person)
    assert charge.article == "256a" and charge.category == "it_nghiem_trong"


def test_truy_to_on_a_fresh_report_is_refused_naming_the_article(org, make_case):
    """Issue #13 item 1: no indictment on a crime report never opened as a case."""
    case = make_case("minh", received=5)
    with pytest.raises(ValidationError, match="Điều 240, khoản 1") as refused:
        record(org.people["minh"], case, E.CAO_TRANG, 1, number="01/CT-VKS")
    assert "Truy tố (bản cáo trạng)" in str(refused.value)
    assert not ProceduralEvent.objects.filter(case=case, kind=E.CAO_TRANG).exists()
    assert not ComputedDeadline.objects.filter(case=case, kind="giao_cao_trang").exists()


def test_deadline_rows_in_words_notes_once(org, detained, as_user):
    """Issue #13 item 3: no "0/0", the counting note once per page, one short citation a row."""
    from digitaldesk.law.deadlines.counting import DETENTION_NOTE

    case, person = detained
    record(org.people["minh"], case, E.TAM_GIU, 1, accused=add_accused(org.people["minh"], case))
    row = ComputedDeadline.objects.get(case=case, kind="tam_giam")
    assert row.extensions_used == 0 and row.extensions_max
    page = as_user("minh").get(f"/an-hinh-su/{case.pk}/").content.decode()
    section = page[page.index('id="thoi-han"') :]
    assert f"Chưa gia hạn; được gia hạn tối đa {row.extensions_max} lần" in section
    assert "0/0" not in section and f"0/{row.extensions_max}<" not in section
    assert section.count(DETENTION_NOTE.replace("(", "")[:40]) <= 1
    assert ">Điều 173 khoản 1 BLTTHS<" in section
    assert 'title="BLTTHS 2015, Điều 173, khoản 1' in section


def test_extension_words():
    from types import SimpleNamespace as D

    from digitaldesk.cases.templatetags.cases_tags import extension_text, short_basis

    assert extension_text(D(extensions_used=0, extensions_max=0)) == "Không được gia hạn"
    assert extension_text(D(extensions_used=0, extensions_max=2)) == (
        "Chưa gia hạn; được gia hạn tối đa 2 lần"
    )
    assert extension_text(D(extensions_used=2, extensions_max=2)) == (
        "Đã gia hạn 2/2 lần; hết số lần được gia hạn"
    )
    assert extension_text(D(extensions_used=0, extensions_max=None)) == "Chưa gia hạn"
    assert short_basis("BLTTHS 2015, Điều 174, khoản 3 (theo Điều 172)") == (
        "Điều 174 khoản 3 BLTTHS (theo Điều 172)"
    )
    assert short_basis("không phải trích dẫn") == "không phải trích dẫn"


def test_custody_limits_show_their_hour_on_the_board(org, make_case, as_user):
    """Issue #13 item 4: a limit counted in hours (tạm giữ, BLTTHS 2015 Điều 118) shows the hour
    it ends beside its date on the board, not the date alone."""
    minh = org.people["minh"]
    case = make_case("minh", received=3, name="Cướp giật tài sản")
    record(minh, case, E.KHOI_TO_VU_AN, 2, number="3/QĐ")
    person = add_accused(minh, case, "Vi Văn Sáu")
    at = dt.datetime.combine(ago(1), dt.time(21, 30), tzinfo=timezone.get_current_timezone())
    record(minh, case, E.TAM_GIU, 1, accused=person, at=at, days=3)
    row = ComputedDeadline.objects.get(case=case, kind="tam_giu", running=True)
    assert row.end_at is not None
    hour = timezone.localtime(row.end_at).strftime("%H:%M")
    board = as_user("minh").get("/an-hinh-su/thoi-han/").content.decode()
    assert f'{row.end:%d/%m/%Y} <strong class="dl-hour"' in board
    assert f">{hour}</strong>" in board
