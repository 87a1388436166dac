from __future__ import annotations

import pytest

from digitaldesk.cases.legal.deadlines import EventKind as E
from digitaldesk.cases.models import ComputedDeadline, Stage

from .conftest import add_accused, record


@pytest.mark.django_db
def test_denunciation_becomes_case_with_detention(org, make_case):
    minh = org.people["minh"]
    case = make_case("minh", received=40)
    assert case.report_no == 1 and case.case_no is None and case.stage == Stage.REPORT
    assert ComputedDeadline.objects.filter(case=case, kind="nguon_tin", running=True).exists()
    record(minh, case, E.KHOI_TO_VU_AN, 35, number="01/QĐ")
    case.refresh_from_db()
    assert case.case_no == 1 and case.stage == Stage.INVESTIGATION
    person = add_accused(minh, case)
    from digitaldesk.cases import services
    services.charge_add(actor=minh, case=case, article="174", clause=2, accused=person)
    record(minh, case, E.KHOI_TO_BI_CAN, 34, accused=person)
    record(minh, case, E.TAM_GIAM, 33, accused=person, months=2)
    rows = {d.kind: d for d in ComputedDeadline.objects.filter(case=case, running=True)}
    print({k: (v.end, v.basis) for k, v in rows.items()})
    assert "tam_giam" in rows and "dieu_tra" in rows


@pytest.mark.django_db
def test_pages_render(org, as_user):
    from digitaldesk.cases.demo import build_cases

    class Out:
        def write(self, text):
            pass

    build_cases(org, Out())
    client = as_user("minh")
    from digitaldesk.cases.models import Case
    case = Case.objects.filter(unit=org.units["tinh_p2"]).first()
    for url in ["/an-hinh-su/", "/an-hinh-su/thu-ly/", f"/an-hinh-su/{case.pk}/", "/an-hinh-su/thoi-han/",
                "/an-hinh-su/thong-ke/", f"/an-hinh-su/{case.pk}/so-do/", f"/an-hinh-su/{case.pk}/so-do.png",
                f"/an-hinh-su/{case.pk}/so-do.pdf", "/an-hinh-su/thong-ke.xlsx", "/an-hinh-su/thong-ke.pdf",
                "/an-hinh-su/dieu-luat/?q=lừa đảo", "/", f"/an-hinh-su/{case.pk}/xuat-goi/", "/an-hinh-su/nhap-goi/"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:2000])
