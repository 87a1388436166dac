"""{{ code|action_label }}, {{ type|object_type_label }}: the audit log in words (labels.py)."""

from __future__ import annotations

from django import template

from digitaldesk.audit import labels

register = template.Library()
register.filter("action_label", labels.action_label)
register.filter("object_type_label", labels.object_type_label)
