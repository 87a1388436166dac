"""The nightly recompute (batches read by SQL, fingerprints) stores exactly what the per-case
recompute of the services stores, compares every deadline each night, and rewrites a row whose
`running` flag was changed behind its fingerprint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from digitaldesk.cases import services
from digitaldesk.cases.deadlines import deadlines_recompute, deadlines_recompute_all
from digitaldesk.cases.events import RegisterKind
from digitaldesk.cases.models import Case, ComputedDeadline, SourceKind
from digitaldesk.law.deadlines import EventKind as E

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db

FIELDS = [
    f.attname
    for f in ComputedDeadline._meta.concrete_fields
    if f.attname not in ("id", "computed_at")
]


def snapshot() -> list[tuple]:
    return sorted(ComputedDeadline.objects.values_list(*FIELDS))


@pytest.fixture
def several(org, make_case):
    minh = org.people["minh"]
    held = make_case("minh", received=70, name="Cướp giật tài sản")
    record(minh, held, E.KHOI_TO_VU_AN, 65, number="1/QĐ")
    services.charge_add(actor=minh, case=held, article="171", clause=2)
    people = [add_accused(minh, held, name) for name in ("Đỗ Văn Hùng", "Lý Thị Hoa")]
    at = dt.datetime.combine(ago(64), dt.time(21, 30), tzinfo=timezone.get_current_timezone())
    record(minh, held, E.TAM_GIU, 64, accused=people[0], at=at, days=3)
    for person in people:
        record(minh, held, E.KHOI_TO_BI_CAN, 62, accused=person)
        record(minh, held, E.PHE_CHUAN_KHOI_TO_BI_CAN, 61, accused=person)
    record(minh, held, E.TAM_GIAM, 61, accused=people[0], months=2)  # same day as an approval
    record(minh, held, RegisterKind.BAO_LINH, 60, accused=people[1])  # a register-only act
    record(minh, held, E.GIA_HAN_TAM_GIAM, 5, accused=people[0], months=1)
    record(minh, held, E.GIA_HAN_DIEU_TRA, 4, months=2)
    report = make_case("minh", received=12, name="Tố giác lừa đảo")
    record(minh, report, E.KEO_DAI_NGUON_TIN, 3)
    direct = services.case_register(
        actor=minh,
        data=services.IntakeData(
            unit=org.units["tinh_p2"],
            source=SourceKind.CASE,
            name="Vụ án xâm phạm an ninh",
            received_on=ago(40),
            opened_on=ago(40),
            national_security=True,
        ),
    )
    services.charge_add(actor=minh, case=direct, article="117", clause=1)
    closed = make_case("minh", received=30, name="Không khởi tố")
    record(minh, closed, E.KHONG_KHOI_TO_VU_AN, 20)
    return [held, report, direct, closed]


def test_batches_store_what_the_services_store(several):
    by_services = snapshot()
    assert len(by_services) == 9
    ComputedDeadline.objects.filter(case__in=several[:3]).delete()  # the open cases' rows
    counts = deadlines_recompute_all(workers=1, batch=2)  # several batches
    assert counts["cases"] == 3 and counts["deleted"] == 0
    assert snapshot() == by_services
    again = deadlines_recompute_all(workers=1)
    assert again["written"] == again["deleted"] == 0 and again["cases"] == 3
    for case in Case.objects.all():  # and the per-case recompute finds nothing to change either
        deadlines_recompute(case)
    assert snapshot() == by_services


def test_every_field_is_compared(several):
    held = several[0]
    before = snapshot()
    rows = ComputedDeadline.objects.filter(case=held)
    rows.filter(kind="tam_giam").update(running=False)  # behind the fingerprint, as a service may
    assert deadlines_recompute_all()["written"] == 1
    rows.filter(kind="dieu_tra").update(end=ago(300), digest="0" * 16)
    rows.filter(kind="tam_giu").delete()
    counts = deadlines_recompute_all()
    assert (counts["written"], counts["deleted"]) == (2, 1)
    assert snapshot() == before
