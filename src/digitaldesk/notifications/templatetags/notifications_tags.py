"""{% notification_bell %}: the bell drawn inside the page itself, so opening a page costs one
request; htmx then refreshes it on each live `notification` event (notifications.views.bell)."""

from __future__ import annotations

from typing import Any

from django import template

from digitaldesk.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    return selectors.bell_context(context["request"].user)
