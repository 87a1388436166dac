"""Questions asked to the assistant and the feedback on its answers (docs/assistant.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssistantQuery(models.Model):
    """One question and what was shown: the history of a user, the administrators' query log."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.TextField()
    intent = models.CharField(max_length=20, blank=True)
    articles = models.JSONField(default=list)  # article keys shown, best first ("BLHS:173")
    internal_hits = models.PositiveIntegerField(default=0)  # documents and pages shown
    answered = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.question[:80]


class AssistantFeedback(models.Model):
    """Đúng / chưa đúng, with the right article when the user knows it."""

    query = models.ForeignKey(AssistantQuery, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    correct = models.BooleanField()
    right_article = models.CharField(max_length=40, blank=True)  # "BLHS:173"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.query_id}: {'đúng' if self.correct else 'chưa đúng'}"
