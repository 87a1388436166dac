"""When an amending law is approved (lawadmin, through `law.amendments.on_approved`): recompute
the deadlines of the open cases it may touch and tell the prosecutors whose deadlines changed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from digitaldesk.cases.deadlines import deadlines_recompute
from digitaldesk.cases.models import CLOSED_STAGES, Case, CaseAssignment, Charge, ComputedDeadline
from digitaldesk.jobs.services import Progress, enqueue, job
from digitaldesk.law.amendments import Amendment
from digitaldesk.notifications.services import notify


def amendments_approved(new: tuple[Amendment, ...]) -> None:
    """The listener registered at start-up: one job per approved law."""
    laws: dict[str, dict[str, set[str]]] = {}
    for a in new:
        laws.setdefault(a.amending_law, {}).setdefault(a.law, set()).add(a.article)
    for number, codes in laws.items():
        enqueue(
            "cases.law_update",
            label=f"Tính lại thời hạn theo Luật số {number}",
            number=number,
            codes={code: sorted(articles) for code, articles in codes.items()},
        )


def _affected(codes: dict[str, list[str]]) -> set[int]:
    ids: set[int] = set()
    procedure = codes.get("BLTTHS", [])
    if procedure:
        cited = Q()
        for label in procedure:
            prefix = f"BLTTHS 2015, Điều {label}"
            cited |= Q(basis=prefix) | Q(basis__startswith=prefix + ",")
        ids |= set(ComputedDeadline.objects.filter(cited).values_list("case_id", flat=True))
    penal = codes.get("BLHS", [])
    if penal:
        ids |= set(Charge.objects.filter(article__in=penal).values_list("case_id", flat=True))
    return ids


def _snapshot(case: Case) -> set[tuple[Any, ...]]:
    return set(
        ComputedDeadline.objects.filter(case=case).values_list("key", "end", "basis", "note")
    )


def _recipients(case: Case) -> list[Any]:
    from digitaldesk.accounts.models import User

    ids = set(
        CaseAssignment.objects.filter(case=case, ended_on__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    if case.leader_in_charge_id:
        ids.add(case.leader_in_charge_id)
    return list(User.objects.filter(pk__in=ids, is_active=True))


@job("cases.law_update", label="Tính lại thời hạn tố tụng theo văn bản sửa đổi bộ luật")
def law_update(
    progress: Progress, *, number: str, codes: dict[str, list[str]], **_: Any
) -> dict[str, int]:
    cases = Case.objects.filter(pk__in=_affected(codes), closed_on__isnull=True).exclude(
        stage__in=CLOSED_STAGES
    )
    total = cases.count()
    changed = 0
    for index, case in enumerate(cases.order_by("pk"), start=1):
        before = _snapshot(case)
        deadlines_recompute(case)
        if _snapshot(case) != before:
            changed += 1
            articles = "; ".join(f"{code} Điều {', '.join(items)}" for code, items in codes.items())
            notify(
                users=_recipients(case),
                title=f"Thời hạn vụ án {case.register_label} được tính lại theo Luật số {number}",
                body=f"Luật số {number} sửa đổi {articles}. Hãy kiểm tra các thời hạn và căn cứ.",
                url=reverse("cases:detail", args=[case.pk]),
                kind="cases.deadline",
                dedupe_key=f"law-update:{number}:{case.pk}",
            )
        progress(index, total, f"Vụ án {index}/{total}")
    return {"cases": total, "changed": changed}
