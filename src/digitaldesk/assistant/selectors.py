"""Reads and gates of the assistant."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from digitaldesk.assistant.models import AssistantFeedback, AssistantQuery


def history(user: Any, limit: int = 30) -> QuerySet[AssistantQuery]:
    return AssistantQuery.objects.filter(user=user)[:limit]


def query_for_user(user: Any, pk: int | str) -> AssistantQuery:
    """The user's own question; one 404 for missing and for another user's."""
    try:
        return AssistantQuery.objects.get(pk=int(pk), user=user)
    except (AssistantQuery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def quality() -> dict[str, Any]:
    queries = AssistantQuery.objects.aggregate(
        total=Count("id"),
        unanswered=Count("id", filter=Q(answered=False)),
        avg_ms=Avg("duration_ms"),
    )
    feedback = AssistantFeedback.objects.aggregate(
        total=Count("id"), correct=Count("id", filter=Q(correct=True))
    )
    rate = feedback["correct"] / feedback["total"] if feedback["total"] else None
    return {"queries": queries, "feedback": feedback, "correct_rate": rate}


def recent_queries(limit: int = 100) -> QuerySet[AssistantQuery]:
    return AssistantQuery.objects.select_related("user")[:limit]


def unanswered_queries(limit: int = 50) -> QuerySet[AssistantQuery]:
    return AssistantQuery.objects.filter(answered=False).select_related("user")[:limit]


def wrong_answers(limit: int = 50) -> QuerySet[AssistantFeedback]:
    """Feedback "chưa đúng": the candidates for new evaluation questions."""
    return AssistantFeedback.objects.filter(correct=False).select_related("query", "user")[:limit]


FEEDBACK_KINDS = {"facts": "facts", "citation": "citation"}  # every other intent: "everyday"


def feedback_questions() -> list[tuple[str, str, str]]:
    """Feedback "chưa đúng" naming the right article, as evaluation rows (kind, question,
    article): the columns of `benchmarks/assistant/late.tsv`. One row a question (whitespace
    folded), the latest verdict winning; a later "đúng" on the same question removes it."""
    rows: dict[str, tuple[str, str, str]] = {}
    feedback = AssistantFeedback.objects.select_related("query").order_by("created_at", "id")
    for item in feedback:
        question = " ".join(item.query.question.split())
        if not question:
            continue
        if item.correct:
            rows.pop(question, None)
        elif item.right_article:
            kind = FEEDBACK_KINDS.get(item.query.intent, "everyday")
            rows[question] = (kind, question, item.right_article)
    return list(rows.values())
