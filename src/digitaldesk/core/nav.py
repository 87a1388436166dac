"""Main navigation, contributed by apps (like desk widgets)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch

from digitaldesk.core.urls import cached_reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    order: int
    roles: frozenset[str] | None = None  # None: everyone signed in
    visible: Callable[[HttpRequest], bool] | None = None


_ITEMS: list[NavItem] = []


def register_nav(
    label: str,
    url_name: str,
    order: int,
    roles: set[str] | None = None,
    visible: Callable[[HttpRequest], bool] | None = None,
) -> None:
    _ITEMS.append(NavItem(label, url_name, order, frozenset(roles) if roles else None, visible))


def nav_items(request: HttpRequest, roles: set[str]) -> list[dict[str, object]]:
    items = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.roles is not None and not (item.roles & roles):
            continue
        if item.visible is not None and not item.visible(request):
            continue
        try:
            url = cached_reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "active": request.path.startswith(url) and url != "/" or request.path == url,
            }
        )
    return items
