"""The Jinja2 environment of the few hot HTML fragments (docs/architecture.md, "Templates").

Pages are Django templates. A fragment that repeats loops in loops on a much used page (the
register's rows) is a Jinja2 template under `<app>/jinja2/`, rendered by the engine named
"jinja2" in settings.TEMPLATES from a Django template tag of its app; the tag passes the values
and the display helpers it needs. Autoescape is on (Django's Jinja2 backend default).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from jinja2 import Environment


def url(name: str, *args: Any) -> str:
    """`{{ url("cases:detail", case.pk) }}`: Django's reverse, as {% url %} in Django templates."""
    return reverse(name, args=args)


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701  (Django's backend passes autoescape=True)
    env.globals["url"] = url
    return env
