"""The statistics' aggregate queries give exactly the figures of their definitions (stats.py
docstring), checked against a plain Python count over the same rows, for a mix of reports and
cases received, opened and closed before, during and after the period, in two units."""

from __future__ import annotations

import pytest

from digitaldesk.cases import services, stats
from digitaldesk.cases.models import Accused, Case, CaseAssignment, Charge, SourceKind, Stage
from digitaldesk.law.deadlines import EventKind as E

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db

FROM, TO = 60, 10  # the period: from 60 days ago to 10 days ago


@pytest.fixture
def mixed_cases(org, make_case):
    minh, mai, ksvcc = org.people["minh"], org.people["mai"], org.people["ksvcc"]

    def charged(actor, case, name, article, clause, on):
        person = add_accused(actor, case, name)
        services.charge_add(actor=actor, case=case, article=article, clause=clause, accused=person)
        record(actor, case, E.KHOI_TO_BI_CAN, on, accused=person)
        return person

    make_case("minh", received=100, name="Tin báo cũ chưa giải quyết")
    old_case = make_case("minh", received=100, name="Nguồn tin thành vụ án trước kỳ")
    record(minh, old_case, E.KHOI_TO_VU_AN, 70)
    charged(minh, old_case, "Nguyễn Văn Cũ", "173", 1, 69)
    resolved = make_case("mai", received=100, name="Vụ án khởi tố và đình chỉ trong kỳ")
    record(mai, resolved, E.KHOI_TO_VU_AN, 50)
    charged(mai, resolved, "Trần Văn Một", "174", 2, 49)
    charged(mai, resolved, "Lê Thị Hai", "174", 1, 49)
    record(mai, resolved, E.DINH_CHI_DIEU_TRA, 20)  # investigation closed (Điều 230)
    make_case("minh", received=30, name="Tin báo mới trong kỳ")
    refused = make_case("mai", received=30, name="Không khởi tố")
    record(mai, refused, E.KHONG_KHOI_TO_VU_AN, 25)
    closed_before = make_case(
        "minh",
        source=SourceKind.CASE,
        received=90,
        opened_on=ago(90),
        name="Vụ án kết thúc trước kỳ",
    )
    record(minh, closed_before, E.DINH_CHI_DIEU_TRA, 80)
    direct = make_case(
        "ksvcc",
        unit="tinh_p1",
        source=SourceKind.CASE,
        received=40,
        opened_on=ago(40),
        name="Vụ án thụ lý trực tiếp ở phòng khác",
    )
    charged(ksvcc, direct, "Phạm Văn Ba", "134", 1, 39)
    charged(ksvcc, direct, "Phạm Văn Bốn", "173", 1, 39)
    services.assignment_add(actor=org.people["tp2"], case=resolved, user=minh, role="ksv")
    make_case("minh", received=5, name="Tin báo sau kỳ")
    make_case("mai", source=SourceKind.CASE, received=5, opened_on=ago(5), name="Vụ án sau kỳ")


def oracle(unit_ids):
    """The figures of the definitions, counted in Python over every row of the units."""
    lo, hi = ago(FROM), ago(TO)
    cases = list(Case.objects.filter(unit_id__in=unit_ids))

    def within(day):
        return day is not None and lo <= day <= hi

    def open_at_start(c):
        return c.closed_on is None or c.closed_on >= lo

    def in_period(c):
        return c.received_on <= hi and open_at_start(c)

    reports = [c for c in cases if c.report_no is not None]
    r_old = sum(
        1
        for c in reports
        if c.received_on < lo and open_at_start(c) and (c.opened_on is None or c.opened_on >= lo)
    )
    r_new = sum(1 for c in reports if within(c.received_on))
    r_res = sum(
        1 for c in reports if within(c.opened_on) or (c.opened_on is None and within(c.closed_on))
    )
    old = [c for c in cases if c.opened_on is not None and c.opened_on < lo and open_at_start(c)]
    new = [c for c in cases if within(c.opened_on)]
    res = [c for c in cases if c.opened_on is not None and within(c.closed_on)]
    people = {c.pk: Accused.objects.filter(case=c).count() for c in cases}
    stage_cases = {s: sum(1 for c in cases if in_period(c) and c.stage == s) for s in Stage.values}
    stage_people = {
        s: sum(people[c.pk] for c in cases if in_period(c) and c.stage == s) for s in Stage.values
    }
    articles = {}
    for charge in Charge.objects.filter(case__in=new):
        key = f"Điều {charge.article}. {charge.title}"
        cases_, accused_ = articles.setdefault(key, (set(), set()))
        cases_.add(charge.case_id)
        if charge.accused_id:
            accused_.add(charge.accused_id)
    by_user = {}
    for a in CaseAssignment.objects.filter(
        case__in=[c for c in cases if in_period(c)]
    ).select_related("case", "user"):
        row = by_user.setdefault(a.user.full_name, [0, 0, 0])
        row[0] += 1
        row[1] += within(a.case.opened_on)
        row[2] += within(a.case.closed_on)
    return {
        "nguon_tin": [[r_old, r_new, r_old + r_new, r_res, r_old + r_new - r_res]],
        "vu_an": [
            [len(old), len(new), len(old) + len(new), len(res), len(old) + len(new) - len(res)],
            [
                sum(people[c.pk] for c in old),
                sum(people[c.pk] for c in new),
                sum(people[c.pk] for c in old + new),
                sum(people[c.pk] for c in res),
                sum(people[c.pk] for c in old + new) - sum(people[c.pk] for c in res),
            ],
        ],
        "giai_doan": {s: (stage_cases[s], stage_people[s]) for s in Stage.values if stage_cases[s]},
        "dieu_luat": {k: [len(v[0]), len(v[1])] for k, v in articles.items()},
        "kiem_sat_vien": {name: [t, n, r, t - r] for name, (t, n, r) in by_user.items()},
    }


@pytest.mark.parametrize("unit_key", ["tinh", "tinh_p2", "tinh_p1"])
def test_statistics_equal_a_plain_count_of_the_definitions(org, mixed_cases, unit_key):
    unit = org.units[unit_key]
    result = stats.unit_statistics(unit=unit, date_from=ago(FROM), date_to=ago(TO))
    tables = {t.key: t for t in result.tables}
    expected = oracle(
        list(type(unit).objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    )
    assert [row[1:] for row in tables["nguon_tin"].rows] == expected["nguon_tin"]
    assert [row[1:] for row in tables["vu_an"].rows] == expected["vu_an"]
    labels = dict(Stage.choices)
    assert {row[0]: tuple(row[1:]) for row in tables["giai_doan"].rows} == {
        labels[s]: v for s, v in expected["giai_doan"].items()
    }
    assert {row[1]: row[2:] for row in tables["dieu_luat"].rows} == expected["dieu_luat"]
    assert {row[0]: row[1:] for row in tables["kiem_sat_vien"].rows} == expected["kiem_sat_vien"]
    assert dict(result.by_stage) == {
        labels[s]: expected["giai_doan"].get(s, (0, 0))[0] for s in Stage.values
    }
    if unit_key == "tinh":  # the mix really exercises every figure
        assert all(v for v in expected["nguon_tin"][0][:4]) and all(expected["vu_an"][0][:4])
