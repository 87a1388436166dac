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
