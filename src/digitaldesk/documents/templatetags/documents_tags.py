"""Template helpers of the documents app."""

from __future__ import annotations

from django import template

from digitaldesk.documents import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def may_follow_up(context: template.Context) -> bool:
    """Whether the follow-up register tab applies to the signed-in user (clerks and agency
    leaders)."""
    user = context["request"].user
    return selectors.can_follow_up(user, selectors.user_agency(user))
