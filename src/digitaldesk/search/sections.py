"""Sections of the global search page (/tim-kiem/), contributed by the apps at their `ready()`.

Each section asks the shared engine with the ACL tokens of the app that owns the items, then lets
that app's gate decide (the index is a hint: a stale entry never shows an item to someone who may
not see it), audits the read as the app audits its own lists, and renders its hits with its own
template. The search app lists the sections; it never imports the apps that fill them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class SectionSearch(Protocol):
    def __call__(self, user: Any, query: str, *, limit: int, offset: int) -> dict[str, Any]:
        """{"hits": [...], "total": int, "stale": bool} for one page of the section."""
        ...


@dataclass(frozen=True)
class SearchSection:
    key: str  # the section's anchor and its value of the "loai" parameter ("vu-an")
    order: int
    template: str  # renders the section; gets `s` (the result), `query`, `only`, `page_no`
    search: SectionSearch


_SECTIONS: dict[str, SearchSection] = {}


def register_search_section(
    key: str, *, order: int, template: str, search: SectionSearch | Callable[..., dict[str, Any]]
) -> None:
    """Add (or replace, when an app is loaded again) the section `key` of the search page."""
    _SECTIONS[key] = SearchSection(key, order, template, search)


def search_sections() -> list[SearchSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))
