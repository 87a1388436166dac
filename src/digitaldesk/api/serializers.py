from __future__ import annotations

from typing import Any

from rest_framework import serializers

from digitaldesk.accounts.models import Unit, User
from digitaldesk.audit.models import AuditEvent
from digitaldesk.jobs.models import Job
from digitaldesk.notifications.models import Notification


class UnitSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "symbol", "kind", "parent", "depth", "require_2fa"]


class UserSerializer(serializers.ModelSerializer[Any]):
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True)
    position_name = serializers.CharField(source="position.name", default=None, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "given_name",
            "family_name",
            "email",
            "unit",
            "unit_name",
            "position_name",
            "is_active",
        ]


class MeSerializer(UserSerializer):
    roles = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "roles"]

    def get_roles(self, obj: User) -> list[str]:
        from digitaldesk.accounts.selectors import effective_roles

        return sorted(str(r) for r in effective_roles(obj))


class NotificationSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class JobSerializer(serializers.ModelSerializer[Any]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "name",
            "label",
            "state",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "progress_done",
            "progress_total",
            "percent",
            "message",
        ]


class AuditEventSerializer(serializers.ModelSerializer[Any]):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "unit_id",
            "ip",
            "detail",
            "prev_hash",
            "hash",
        ]
