"""The registry of live channels: who may receive the events of a channel.

A channel is named `kind:key` (`user:7`, `meeting:42`, `calendar:unit:3`). Each app registers its
kinds at `AppConfig.ready()` with an *audience* function: given the key and a set of user ids, it
returns the ids that may receive the channel's events now. The event process calls it when a page
subscribes and again for every event it delivers (batched: one call per event and channel, for
all the connections listening to it), so a permission withdrawn during a meeting stops the next
event, not the next login.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Audience = Callable[[str, frozenset[int]], set[int]]

CHANNEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}:[A-Za-z0-9_.:-]{1,150}$")
EVENT_RE = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")


@dataclass(frozen=True)
class ChannelKind:
    kind: str
    audience: Audience
    label: str


_KINDS: dict[str, ChannelKind] = {}


def register(kind: str, *, audience: Audience, label: str = "") -> None:
    """Declare the channel kind `kind` and who may receive its events."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", kind):
        raise ValueError(f"Invalid live channel kind {kind!r}")
    existing = _KINDS.get(kind)
    if existing is not None and existing.audience is not audience:
        raise ValueError(f"Live channel kind {kind!r} is already registered")
    _KINDS[kind] = ChannelKind(kind=kind, audience=audience, label=label or kind)


def registered() -> dict[str, ChannelKind]:
    return dict(_KINDS)


def split(channel: str) -> tuple[str, str]:
    """`kind:key` → (kind, key); ValueError for a malformed or unregistered channel."""
    if not CHANNEL_RE.match(channel):
        raise ValueError(f"Invalid live channel {channel!r}")
    kind, key = channel.split(":", 1)
    if kind not in _KINDS:
        raise ValueError(f"Unregistered live channel kind {kind!r}")
    return kind, key


def allowed(channel: str, user_ids: Iterable[int]) -> set[int]:
    """The ids among `user_ids` that may receive the events of `channel` (empty if malformed)."""
    ids = frozenset(user_ids)
    if not ids:
        return set()
    try:
        kind, key = split(channel)
    except ValueError:
        return set()
    return set(_KINDS[kind].audience(key, ids)) & ids


def personal(key: str, user_ids: frozenset[int]) -> set[int]:
    """`user:<id>`: only that official."""
    return {uid for uid in user_ids if str(uid) == key}
