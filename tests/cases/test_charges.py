"""Charges chosen from the Penal Code; the category follows the bracket (BLHS Điều 9)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import services
from digitaldesk.cases.models import Category, ComputedDeadline

from .conftest import add_accused

pytestmark = pytest.mark.django_db


def test_category_follows_the_most_serious_charged_clause(org, make_case):
    minh = org.people["minh"]
    case = make_case("minh")
    person = add_accused(minh, case)
    charge = services.charge_add(actor=minh, case=case, article="174", clause=1, accused=person)
    assert charge.title == "Tội lừa đảo chiếm đoạt tài sản" and charge.chapter.startswith(
        "Chương XVI"
    )
    case.refresh_from_db()
    assert case.category == Category.LESS_SERIOUS  # khoản 1: up to 3 years
    services.charge_add(actor=minh, case=case, article="174", clause=4, points="a", accused=person)
    case.refresh_from_db()
    assert case.category == Category.ESPECIALLY_SERIOUS  # khoản 4: up to 20 years or life


def test_unknown_article_clause_or_point_is_refused(org, make_case):
    minh = org.people["minh"]
    case = make_case("minh")
    with pytest.raises(ValidationError, match="không có Điều 999"):
        services.charge_add(actor=minh, case=case, article="999", clause=1)
    with pytest.raises(ValidationError, match="không có khoản 9"):
        services.charge_add(actor=minh, case=case, article="174", clause=9)
    with pytest.raises(ValidationError, match="Điểm x không có"):
        services.charge_add(actor=minh, case=case, article="174", clause=2, points="x")
    with pytest.raises(ValidationError):
        services.charge_add(actor=minh, case=case, article="352", clause=1)  # no text in the source
    assert not case.charges.exists()


def test_217a_is_its_own_article(org, make_case):
    case = make_case("minh")
    charge = services.charge_add(actor=org.people["minh"], case=case, article="217a", clause=1)
    assert charge.article == "217a" and "đa cấp" in charge.title


def test_national_security_chapter_sets_the_flag(org, make_case):
    case = make_case("ksvcc", unit="tinh_p1")
    services.charge_add(actor=org.people["ksvcc"], case=case, article="117", clause=1)
    case.refresh_from_db()
    assert case.national_security


def test_override_needs_a_reason_and_is_audited(org, make_case):
    minh = org.people["minh"]
    case = make_case("minh")
    services.charge_add(actor=minh, case=case, article="173", clause=1)
    with pytest.raises(ValidationError, match="Phải ghi lý do"):
        services.category_override_set(actor=minh, case=case, category=Category.SERIOUS, reason=" ")
    services.category_override_set(
        actor=minh,
        case=case,
        category=Category.SERIOUS,
        reason="Nhập vụ án theo quyết định số 5/QĐ",
    )
    case.refresh_from_db()
    assert case.effective_category == Category.SERIOUS and case.category == Category.LESS_SERIOUS
    event = AuditEvent.objects.get(action="cases.category_overridden", object_id=str(case.pk))
    assert event.detail["reason"] == "Nhập vụ án theo quyết định số 5/QĐ"
    assert ComputedDeadline.objects.filter(case=case).exists()


def test_article_picker_finds_by_number_and_by_name(org, as_user):
    client = as_user("minh")
    by_number = client.get("/an-hinh-su/dieu-luat/", {"q": "174"}).content.decode()
    assert "Điều 174." in by_number and "Tội lừa đảo chiếm đoạt tài sản" in by_number
    by_name = client.get("/an-hinh-su/dieu-luat/", {"q": "lua dao"}).content.decode()
    assert "Điều 174." in by_name and 'data-clause="4"' in by_name
    nothing = client.get("/an-hinh-su/dieu-luat/", {"q": "không có tội này"}).content.decode()
    assert "Không tìm thấy điều luật" in nothing


def test_charge_form_shows_the_refusal(org, make_case, as_user):
    case = make_case("minh")
    response = as_user("minh").post(
        f"/an-hinh-su/{case.pk}/toi-danh/",
        {"chg-article": "999", "chg-clause": "1", "chg-points": ""},
    )
    assert response.status_code == 400
    assert "Bộ luật Hình sự 2015 không có Điều 999" in response.content.decode()
