"""reverse() remembered per process: the desk's URL patterns do not change while it runs, and the
shell draws the same dozen links on every page ({% url %} costs about 0.1 ms each)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=4096)
def _reverse(prefix: str, urlconf: str, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, args=args or None, urlconf=urlconf)


def cached_reverse(name: str, *args: Any) -> str:
    """The same as reverse(name, args=args), for positional arguments only (ids); kept per script
    prefix and URL configuration."""
    return _reverse(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, name, args)
