"""Links from a page of one app to the pages of apps above it, which it may not import.

The case page (cases) links to the case's digitised file and its presentation (casefiles, a layer
above): casefiles registers a provider for "cases.case" at `AppConfig.ready()`, the case view asks
`related_links("cases.case", user, case)`. A provider receives the signed-in user and the object
the page shows (already checked as visible to the user) and returns the links that user may
follow; `post` links are buttons of a small form (an action, not a page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RelatedLink:
    label: str
    url: str
    note: str = ""
    post: dict[str, str] | None = field(default=None)  # fields of a POST form, None: a plain link


LinkProvider = Callable[[Any, Any], list[RelatedLink]]

_PROVIDERS: dict[str, list[LinkProvider]] = {}


def register_links(target: str, provider: LinkProvider) -> None:
    """Add `provider` to the links of the pages of `target` ("app_label.model")."""
    _PROVIDERS.setdefault(target, []).append(provider)


def related_links(target: str, user: Any, obj: Any) -> list[RelatedLink]:
    """Every registered provider's links for `obj`, in registration order."""
    return [link for provider in _PROVIDERS.get(target, []) for link in provider(user, obj)]
