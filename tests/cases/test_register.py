"""The register (sổ thụ lý): intake numbers, report → case, bad input refused with the rule
named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import services
from digitaldesk.cases.models import Case, ComputedDeadline, SourceKind, Stage
from digitaldesk.law.deadlines import EventKind as E

from .conftest import ago, record

pytestmark = pytest.mark.django_db


def test_numbers_run_per_unit_per_register_and_year(org, make_case):
    first = make_case("minh")
    second = make_case("mai", name="Trộm cắp tài sản")
    other_unit = make_case("ksvcc", unit="tinh_p1")
    direct = make_case("minh", source=SourceKind.CASE, name="Giết người", opened_on=ago(31))
    assert (first.report_no, second.report_no, other_unit.report_no) == (1, 2, 1)
    assert direct.case_no == 1 and direct.report_no is None and direct.stage == Stage.INVESTIGATION
    assert first.register_label == f"Nguồn tin số 01/{ago(30).year}"
    last_year = make_case("minh", received=400) if ago(400).year != ago(30).year else None
    if last_year is not None:
        assert last_year.report_no == 1 and last_year.report_year == ago(400).year


def test_report_becomes_a_case_with_the_next_case_number(org, make_case):
    minh = org.people["minh"]
    make_case("minh", source=SourceKind.CASE, name="Vụ án thụ lý trực tiếp", opened_on=ago(31))
    report = make_case("minh", received=20)
    record(minh, report, E.KHOI_TO_VU_AN, 10, number="12/QĐ-CSĐT")
    report.refresh_from_db()
    assert (
        report.case_no == 2 and report.opened_on == ago(10) and report.stage == Stage.INVESTIGATION
    )
    assert report.register_label.startswith("Án số 02/")
    assert AuditEvent.objects.filter(action="cases.case_opened", object_id=str(report.pk)).exists()


def test_duplicate_typed_number_is_refused_naming_the_rule(org, make_case):
    make_case("minh", manual_number=7)
    with pytest.raises(ValidationError) as info:
        make_case("mai", manual_number=7)
    message = " ".join(info.value.messages)
    assert (
        "Số 07/" in message
        and "đã có trong sổ tiếp nhận nguồn tin" in message
        and "trùng số" in message
    )
    # the counter continues after the highest number issued
    assert make_case("minh", name="Trộm cắp tài sản").report_no == 8


def test_intake_is_audited_and_opens_the_report_resolution_limit(org, make_case):
    case = make_case("minh", received=5)
    deadline = ComputedDeadline.objects.get(case=case, kind="nguon_tin")
    assert deadline.running and deadline.basis.startswith("BLTTHS 2015, Điều 147")
    assert deadline.start == ago(5)
    assert AuditEvent.objects.filter(action="cases.registered", object_id=str(case.pk)).exists()


def test_impossible_dates_are_refused(org, make_case):
    minh = org.people["minh"]
    with pytest.raises(ValidationError, match="sau ngày hôm nay"):
        make_case("minh", received=-2)
    case = make_case("minh", received=10)
    with pytest.raises(ValidationError) as info:
        record(minh, case, E.KHOI_TO_VU_AN, 12)
    assert "trước ngày tiếp nhận" in " ".join(info.value.messages) and "Điều 147" in " ".join(
        info.value.messages
    )
    with pytest.raises(ValidationError, match="sau ngày hôm nay"):
        record(minh, case, E.KHOI_TO_VU_AN, -1)
    with pytest.raises(ValidationError, match="ngày sinh|Ngày sinh"):
        services.accused_add(
            actor=minh,
            case=case,
            data=services.AccusedData(
                full_name="Trần B", birth_date=timezone.localdate() + dt.timedelta(days=3)
            ),
        )
    assert not Case.objects.get(pk=case.pk).events.filter(kind=E.KHOI_TO_VU_AN).exists()


def test_intake_only_into_own_or_led_unit(org):
    with pytest.raises(PermissionDenied):
        services.case_register(
            actor=org.people["minh"],
            data=services.IntakeData(
                unit=org.units["kv1"], source=SourceKind.DENUNCIATION, name="X", received_on=ago(1)
            ),
        )
    # the head of the province leads the regional units below it
    case = services.case_register(
        actor=org.people["huong"],
        data=services.IntakeData(
            unit=org.units["kv1"], source=SourceKind.DENUNCIATION, name="X", received_on=ago(1)
        ),
    )
    assert case.unit == org.units["kv1"]


def test_register_page_filters(org, make_case, as_user):
    minh = org.people["minh"]
    fraud = make_case("minh", name="Lừa đảo chiếm đoạt tài sản qua mạng")
    theft = make_case("minh", name="Trộm cắp xe máy")
    from .conftest import add_accused

    add_accused(minh, theft, "Đặng Quốc Việt")
    client = as_user("minh")
    page = client.get("/an-hinh-su/", {"q": "lua dao"}).content.decode()
    assert fraud.name in page and theft.name not in page
    page = client.get("/an-hinh-su/", {"q": "quoc viet"}).content.decode()
    assert theft.name in page and fraud.name not in page
    page = client.get(
        "/an-hinh-su/", {"q": f"{theft.report_no}/{theft.report_year}"}
    ).content.decode()
    assert theft.name in page and fraud.name not in page
    page = client.get("/an-hinh-su/", {"stage": Stage.INVESTIGATION}).content.decode()
    assert "Không có hồ sơ nào phù hợp" in page


def test_intake_form_for_a_case_already_opened(org, as_user):
    client = as_user("minh")
    response = client.post(
        "/an-hinh-su/thu-ly/",
        {
            "source": SourceKind.CASE,
            "name": "Cướp tài sản tại cầu Rồng",
            "received_on": ago(3).isoformat(),
            "unit": org.units["tinh_p2"].pk,
            "opened_on": ago(5).isoformat(),
            "opening_number": "90/QĐ-CSĐT",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(name="Cướp tài sản tại cầu Rồng")
    assert (
        case.case_no == 1
        and case.events.get().kind == E.KHOI_TO_VU_AN
        and case.events.get().on == ago(5)
    )
    refused = client.post(
        "/an-hinh-su/thu-ly/",
        {
            "source": SourceKind.DENUNCIATION,
            "name": "Tố giác",
            "received_on": ago(3).isoformat(),
            "unit": org.units["tinh_p2"].pk,
            "opened_on": ago(5).isoformat(),
        },
    )
    assert (
        refused.status_code == 200
        and "Ngày khởi tố chỉ ghi khi thụ lý vụ án đã khởi tố" in refused.content.decode()
    )


def test_double_submissions_record_nothing_twice(org, as_user):
    client = as_user("minh")
    form = {
        "source": SourceKind.DENUNCIATION,
        "name": "Tố giác lừa đảo bán hàng online",
        "received_on": ago(1).isoformat(),
        "unit": org.units["tinh_p2"].pk,
    }
    first = client.post("/an-hinh-su/thu-ly/", form)
    second = client.post("/an-hinh-su/thu-ly/", form, follow=True)
    assert Case.objects.filter(name=form["name"]).count() == 1
    case = Case.objects.get(name=form["name"])
    assert first["Location"] == f"/an-hinh-su/{case.pk}/"
    assert "vừa được thụ lý" in second.content.decode() and "gửi hai lần" in second.content.decode()
    event = {"evt-kind": E.KHOI_TO_VU_AN, "evt-on": ago(0).isoformat(), "evt-number": "5/QĐ"}
    assert client.post(f"/an-hinh-su/{case.pk}/dien-bien/", event).status_code == 302
    again = client.post(f"/an-hinh-su/{case.pk}/dien-bien/", event)
    assert again.status_code == 400 and "gửi hai lần" in again.content.decode()
    assert case.events.filter(kind=E.KHOI_TO_VU_AN).count() == 1
