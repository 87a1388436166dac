"""Reads of the uploaded amending laws: the approved instructions (the provider registered with
`law.amendments`) and the side-by-side preview of each affected article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from digitaldesk.law import LegalRuleError, amendments, versions
from digitaldesk.law.amendment_text import DiffRow, article_diff
from digitaldesk.law.amendments import Amendment
from digitaldesk.lawadmin.models import AmendingLawImport, ImportStatus


def instruction_record(a: Amendment) -> dict[str, Any]:
    """What the database keeps of an instruction (JSON)."""
    return {
        "id": a.id,
        "amending_law": a.amending_law,
        "provision": a.provision,
        "effective_from": a.effective_from.isoformat(),
        "law": a.law,
        "article": a.article,
        "op": a.op,
        "clause": a.clause,
        "point": a.point,
        "after_point": a.after_point,
        "new_text": a.new_text,
        "phrase_from": a.phrase_from,
        "phrase_to": a.phrase_to,
        "instruction": a.instruction,
    }


def to_amendments(item: AmendingLawImport) -> tuple[Amendment, ...]:
    found = []
    for r in item.instructions:
        found.append(
            Amendment(
                id=str(r["id"]),
                amending_law=str(r["amending_law"]),
                provision=str(r["provision"]),
                effective_from=dt.date.fromisoformat(str(r["effective_from"])),
                law=str(r["law"]),
                article=str(r["article"]),
                op=str(r["op"]),
                clause=r.get("clause"),
                point=r.get("point"),
                after_point=r.get("after_point"),
                new_text=str(r.get("new_text") or ""),
                phrase_from=str(r.get("phrase_from") or ""),
                phrase_to=str(r.get("phrase_to") or ""),
                instruction=str(r.get("instruction") or ""),
                source_quality="official_text",
                sources=(f"{item.file_name} (SHA-256 {item.sha256[:16]}…)",),
            )
        )
    return tuple(found)


def approved_amendments() -> tuple[Amendment, ...]:
    """Every approved instruction (one query; cached by `law.amendments` until the next
    approval)."""
    try:
        rows = list(AmendingLawImport.objects.filter(status=ImportStatus.APPROVED).order_by("pk"))
    except RuntimeError as error:  # pytest-django blocks the database in the pure law tests
        raise amendments.ProviderUnavailable from error
    return tuple(a for item in rows for a in to_amendments(item))


@dataclass(frozen=True, slots=True)
class ArticlePreview:
    law: str
    label: str
    old_title: str
    new_title: str
    rows: list[DiffRow]
    instructions: list[Amendment]
    error: str  # Vietnamese: why the instructions cannot be applied ("" when they can)


def preview(item: AmendingLawImport) -> list[ArticlePreview]:
    """For each affected article: the text in force the day before the law took effect and the
    text after this law's instructions, paired line by line."""
    by_article: dict[str, list[Amendment]] = {}
    for a in to_amendments(item):
        by_article.setdefault(a.article, []).append(a)
    day_before = item.effective_from - dt.timedelta(days=1)
    found: list[ArticlePreview] = []
    for label, items in by_article.items():
        old_title = old_text = ""
        error = ""
        try:
            before = versions.article_in_force(item.code, label, day_before)
            old_title, old_text = before.article.title, before.article.text
        except LegalRuleError as exc:
            if not any(a.op == "add_article" for a in items):
                error = str(exc)
        title, text = old_title, old_text
        if not error:
            try:
                for a in items:
                    title, text = amendments.apply(title, text, a)
            except LegalRuleError as exc:
                error = str(exc)
        rows = [] if error else article_diff(old_text, text)
        found.append(ArticlePreview(item.code, label, old_title, title, rows, items, error))
    return found
