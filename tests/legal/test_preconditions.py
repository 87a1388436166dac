"""What each procedural event presupposes (law.deadlines.preconditions), kind by kind."""

from __future__ import annotations

import datetime as dt

import pytest

from digitaldesk.law.code import procedure_article
from digitaldesk.law.deadlines import (
    PRECONDITIONS,
    DeadlineRuleError,
    Event,
    EventKind,
    check_preconditions,
)
from digitaldesk.law.deadlines.preconditions import Fact

E = EventKind
DAY = dt.date(2025, 3, 3)
INTAKE = Event(E.TIEP_NHAN_NGUON_TIN, DAY)

# The shortest history that establishes each fact (subject "a1" for the per-person facts).
ESTABLISH: dict[Fact, list[Event]] = {
    Fact.REPORT_RECEIVED: [INTAKE],
    Fact.REPORT_SUSPENDED: [INTAKE, Event(E.TAM_DINH_CHI_NGUON_TIN, DAY)],
    Fact.CASE_OPENED: [Event(E.KHOI_TO_VU_AN, DAY)],
    Fact.CHARGED: [Event(E.KHOI_TO_VU_AN, DAY), Event(E.KHOI_TO_BI_CAN, DAY, subject="a1")],
    Fact.ANY_CHARGED: [Event(E.KHOI_TO_BI_CAN, DAY, subject="a1")],
    Fact.HELD: [Event(E.TAM_GIU, DAY, subject="a1")],
    Fact.DETAINED: [Event(E.TAM_GIAM, DAY, subject="a1")],
    Fact.HELD_OR_DETAINED: [Event(E.TAM_GIU, DAY, subject="a1")],
    Fact.INVESTIGATION_SUSPENDED: [Event(E.TAM_DINH_CHI_DIEU_TRA, DAY)],
    Fact.INVESTIGATION_ENDED: [Event(E.KET_THUC_DIEU_TRA, DAY)],
    Fact.INDICTED: [Event(E.CAO_TRANG, DAY)],
    Fact.COURT_SEIZED: [Event(E.TOA_THU_LY, DAY)],
    Fact.COURT_RETURNED: [Event(E.TOA_TRA_HO_SO_DIEU_TRA_BO_SUNG, DAY)],
    Fact.TRIAL_ORDERED: [Event(E.DUA_VU_AN_RA_XET_XU, DAY)],
    Fact.HEARING_OPENED: [Event(E.MO_PHIEN_TOA, DAY)],
    Fact.FIRST_INSTANCE_DECIDED: [Event(E.TUYEN_AN_SO_THAM, DAY)],
    Fact.CASE_SUSPENDED: [Event(E.TAM_DINH_CHI_VU_AN, DAY)],
}


def _new(kind: EventKind, on: dt.date = DAY + dt.timedelta(days=1)) -> Event:
    return Event(kind, on, subject="a1" if kind.per_subject else "case")


@pytest.mark.parametrize("kind", list(PRECONDITIONS), ids=str)
def test_refused_on_a_fresh_report_naming_the_article(kind: EventKind) -> None:
    needs_intake = any(r.fact is Fact.REPORT_RECEIVED for r in PRECONDITIONS[kind])
    with pytest.raises(DeadlineRuleError) as refused:
        check_preconditions([] if needs_intake else [INTAKE], _new(kind))
    first = PRECONDITIONS[kind][0]
    assert str(first.basis) in str(refused.value)
    assert kind.label in str(refused.value)


@pytest.mark.parametrize("kind", list(PRECONDITIONS), ids=str)
def test_accepted_once_its_facts_are_recorded(kind: EventKind) -> None:
    history = [INTAKE] + [e for r in PRECONDITIONS[kind] for e in ESTABLISH[r.fact]]
    check_preconditions(history, _new(kind))


@pytest.mark.parametrize("kind", list(PRECONDITIONS), ids=str)
def test_every_basis_is_an_article_of_the_code(kind: EventKind) -> None:
    for requirement in PRECONDITIONS[kind]:
        article = procedure_article(requirement.basis.article)
        if requirement.basis.clause is not None:
            assert requirement.basis.clause <= len(article.clauses)


def test_the_issue_case_truy_to_on_a_fresh_report() -> None:
    with pytest.raises(DeadlineRuleError, match="Điều 240, khoản 1"):
        check_preconditions([INTAKE], _new(E.CAO_TRANG))


def test_facts_recorded_after_the_new_event_do_not_count() -> None:
    later = Event(E.KHOI_TO_VU_AN, DAY + dt.timedelta(days=5))
    with pytest.raises(DeadlineRuleError, match="khởi tố vụ án"):
        check_preconditions([INTAKE, later], _new(E.GIA_HAN_DIEU_TRA))


def test_same_day_charge_and_detention_order() -> None:
    opened = Event(E.KHOI_TO_VU_AN, DAY)
    charged = Event(E.KHOI_TO_BI_CAN, DAY, subject="a1")
    check_preconditions([opened, charged], Event(E.TAM_GIAM, DAY, subject="a1"))


def test_per_person_facts_are_per_person() -> None:
    charged = [Event(E.KHOI_TO_VU_AN, DAY), Event(E.KHOI_TO_BI_CAN, DAY, subject="a2")]
    with pytest.raises(DeadlineRuleError, match="Điều 119"):
        check_preconditions(charged, _new(E.TAM_GIAM))


def test_cancelled_charge_no_longer_counts() -> None:
    history = ESTABLISH[Fact.CHARGED] + [Event(E.HUY_KHOI_TO_BI_CAN, DAY, subject="a1")]
    with pytest.raises(DeadlineRuleError, match="Điều 243"):
        check_preconditions(history + [Event(E.KET_THUC_DIEU_TRA, DAY)], _new(E.CAO_TRANG))


def test_a_case_received_already_opened() -> None:
    check_preconditions([], _new(E.GIA_HAN_DIEU_TRA), case_opened=True)
