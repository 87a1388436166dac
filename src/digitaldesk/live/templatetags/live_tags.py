"""`{% live_url %}`: the stream address for a page.

Channels: the official's `user:<id>`, the view's context variable `live_channels` (a list of
channel names), and any extra names given to the tag.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag(takes_context=True)
def live_url(context: dict[str, Any], *extra: Any) -> str:
    request = context["request"]
    page_channels = context.get("live_channels") or []
    names = [f"user:{request.user.pk}", *(str(n) for n in [*page_channels, *extra] if n)]
    names = list(dict.fromkeys(names))
    # No render time in the address: a page must render the same for the same state (the 404 of
    # a missing object equals that of a forbidden one). The event process replays the last
    # seconds to a fresh connection instead (docs/live.md, "Replay").
    query = urlencode([("kenh", name) for name in names])
    return f"{stream_base(request)}?{query}"


def stream_base(request: Any) -> str:
    if settings.DESK_LIVE_URL:
        return str(settings.DESK_LIVE_URL)
    if settings.DESK_LIVE_PORT:
        # Embedded default: the event process listens on another port of the same host.
        host = urlsplit(f"//{request.get_host()}").hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"{request.scheme}://{host}:{settings.DESK_LIVE_PORT}/su-kien/"
    return "/su-kien/"
