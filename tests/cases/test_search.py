"""Cases in the shared full-text index, found only by those who may see them."""

from __future__ import annotations

import pytest

from digitaldesk.cases import services
from digitaldesk.cases.search import search_cases

from .conftest import add_accused

pytestmark = pytest.mark.django_db


def test_cases_are_searchable_with_their_permissions(
    org, make_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case("minh", name="Tham ô quỹ học bổng tại Trường Cao đẳng Thăng Hoa")
        add_accused(org.people["minh"], case, "Quách Thị Nhàn")
        secret = make_case(
            "minh", name="Tham ô quỹ bảo hiểm", restricted=True, leader_in_charge=org.people["pvt"]
        )
        services.assignment_end(actor=org.people["pvt"], case=secret, user=org.people["minh"])
    assert [h.key for h in search_cases(org.people["minh"], "học bổng")] == [str(case.pk)]
    assert [h.key for h in search_cases(org.people["huong"], "hoc bong")] == [
        str(case.pk)
    ]  # leader above
    assert [h.key for h in search_cases(org.people["mai"], "Quách Nhàn")] == [
        str(case.pk)
    ]  # same unit
    assert list(search_cases(org.people["ksvcc"], "học bổng")) == []  # another unit
    assert [h.key for h in search_cases(org.people["pvt"], "bảo hiểm")] == [str(secret.pk)]
    assert list(search_cases(org.people["tp2"], "bảo hiểm")) == []  # restricted
