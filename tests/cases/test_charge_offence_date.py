"""The offence date picks the bracket (BLHS Điều 7; Luật số 86/2025/QH15 Điều 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from digitaldesk.cases import services
from digitaldesk.cases.models import Category

pytestmark = pytest.mark.django_db

BEFORE = dt.date(2025, 3, 1)  # before Luật 86/2025/QH15 took effect (01/07/2025)


def test_favourable_later_law_removes_the_death_penalty(org, make_case, as_user):
    """Điều 110 khoản 1, committed before 01/07/2025 and tried now: the new text applies."""
    client = as_user("minh")
    case = make_case("minh")
    response = client.post(
        f"/an-hinh-su/{case.pk}/toi-danh/",
        {"chg-article": "110", "chg-clause": "1", "chg-offence_on": BEFORE.isoformat()},
    )
    assert response.status_code == 302
    charge = case.charges.get()
    assert charge.offence_on == BEFORE
    assert charge.bracket == "Điều 110 khoản 1 BLHS, sửa đổi bởi Luật số 86/2025/QH15"
    assert charge.category == Category.ESPECIALLY_SERIOUS  # life imprisonment, no death penalty
    assert "Điều 7 khoản 3 BLHS" in charge.law_rule
    assert "Điều 4 khoản 1 điểm b Luật số 86/2025/QH15" in charge.law_rule
    page = client.get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "Khung áp dụng: Điều 110 khoản 1 BLHS, sửa đổi bởi Luật số 86/2025/QH15" in page
    assert "01/03/2025" in page and "Điều 7 khoản 3 BLHS" in page


def test_harsher_later_law_keeps_the_old_bracket(org, make_case):
    """Điều 251 khoản 1 was raised (02–07 → 03–07 years): the offence-date text applies."""
    minh = org.people["minh"]
    case = make_case("minh")
    charge = services.charge_add(actor=minh, case=case, article="251", clause=1, offence_on=BEFORE)
    assert charge.bracket == "Điều 251 khoản 1 BLHS"
    assert "86/2025" not in charge.bracket
    assert "Điều 7 khoản 2 BLHS" in charge.law_rule


def test_without_a_date_todays_text_is_used_and_said(org, make_case, as_user):
    case = make_case("minh")
    charge = services.charge_add(actor=org.people["minh"], case=case, article="110", clause=1)
    assert charge.offence_on is None and charge.law_rule == ""
    assert "86/2025/QH15" in charge.bracket
    page = as_user("minh").get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "chưa ghi ngày thực hiện hành vi" in page


def test_offence_date_in_the_future_is_refused(org, make_case):
    case = make_case("minh")
    with pytest.raises(ValidationError, match="không thể sau ngày hôm nay"):
        services.charge_add(
            actor=org.people["minh"],
            case=case,
            article="174",
            clause=1,
            offence_on=timezone.localdate() + dt.timedelta(days=400),
        )


def test_api_takes_the_offence_date(org, make_case, as_user):
    case = make_case("minh")
    response = as_user("minh").post(
        f"/api/v1/cases/{case.pk}/charges",
        {"article": "110", "clause": 1, "offence_on": BEFORE.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["offence_on"] == "2025-03-01"
    assert "Điều 7 khoản 3 BLHS" in response.json()["law_rule"]
