"""The fan-out inside one event process (docs/live.md, "How an event travels").

One task reads new rows of the events table, woken by PostgreSQL NOTIFY (or every
DESK_LIVE_POLL_SECONDS), asks the channel registry which of the listening officials may receive
each channel's events, and puts the events on those connections' queues. Rows committed out of
id order (two transactions on PostgreSQL) are caught by remembering the missing ids for a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Min, Q

from digitaldesk.live import auth, channels
from digitaldesk.live.models import Event
from digitaldesk.live.services import NOTIFY_CHANNEL, events_prune

log = logging.getLogger(__name__)
T = TypeVar("T")

QUEUE_SIZE = 500  # a connection this far behind is closed; its browser replays on reconnect
BATCH = 2000
GAP_SECONDS = 30.0  # how long an id missing from the sequence is looked for again
REPLAY_MAX = 500  # more than this to replay: the page is told to reload its state instead
REVALIDATE_SECONDS = 60.0
PRUNE_EVERY = 60  # revalidation rounds between two prunes of the events table (an hour)


@dataclass(frozen=True)
class Item:
    id: int
    channel: str
    name: str
    data: str


@dataclass(eq=False)
class Subscriber:
    user_id: int
    session_key: str
    channels: set[str]
    queue: asyncio.Queue[Item | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    overflow: bool = False

    def close(self) -> None:
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            self.overflow = True


class Hub:
    def __init__(self) -> None:
        self.by_channel: dict[str, set[Subscriber]] = defaultdict(set)
        self.count = 0
        self.last_id = 0
        self.gaps: dict[int, float] = {}
        self.wake = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="live-db")
        self.tasks: list[asyncio.Task[None]] = []

    async def db(self, func: Callable[..., T], *args: Any) -> T:
        """Run Django ORM work in the hub's threads (the ORM is synchronous)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self.last_id = await self.db(_newest_id)
        self.tasks.append(asyncio.create_task(self._deliver_loop()))
        self.tasks.append(asyncio.create_task(self._revalidate_loop()))
        if connection.vendor == "postgresql":
            self.tasks.append(asyncio.create_task(self._listen_loop()))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for subs in list(self.by_channel.values()):
            for sub in list(subs):
                sub.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # --- connections -----------------------------------------------------------------------
    def subscribe(self, sub: Subscriber) -> int:
        for channel in sub.channels:
            self.by_channel[channel].add(sub)
        self.count += 1
        return self.last_id

    def unsubscribe(self, sub: Subscriber) -> None:
        for channel in list(sub.channels):
            listeners = self.by_channel.get(channel)
            if listeners is not None:
                listeners.discard(sub)
                if not listeners:
                    del self.by_channel[channel]
        self.count -= 1

    # --- delivery --------------------------------------------------------------------------
    async def _deliver_loop(self) -> None:
        poll = settings.DESK_LIVE_POLL_SECONDS
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=poll)
            self.wake.clear()
            try:
                more = await self.deliver_new()
            except Exception:  # the database restarting: log, wait for the next round
                log.exception("live: reading the events table failed")
                await self.db(close_old_connections)
                await asyncio.sleep(1)
                continue
            if more:
                self.wake.set()

    async def deliver_new(self) -> bool:
        now = time.monotonic()
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_SECONDS}
        rows = await self.db(_fetch, self.last_id, sorted(self.gaps))
        if not rows:
            return False
        newest = max(row.id for row in rows)
        seen = {row.id for row in rows}
        if newest - self.last_id < 10_000:
            for missing in range(self.last_id + 1, newest):
                if missing not in seen:
                    self.gaps.setdefault(missing, now)
        for row_id in seen:
            self.gaps.pop(row_id, None)
        self.last_id = max(self.last_id, newest)
        await self._dispatch(rows)
        return len(rows) >= BATCH

    async def _dispatch(self, rows: list[Item]) -> None:
        wanted = {row.channel for row in rows if self.by_channel.get(row.channel)}
        allowed: dict[str, set[int]] = {}
        for channel in wanted:
            ids = frozenset(sub.user_id for sub in self.by_channel[channel])
            allowed[channel] = await self.db(channels.allowed, channel, ids)
        for row in rows:
            listeners = self.by_channel.get(row.channel)
            if not listeners:
                continue
            for sub in list(listeners):
                if sub.user_id in allowed.get(row.channel, set()):
                    self._put(sub, row)
                else:
                    # The permission was withdrawn: stop this channel, tell the page once.
                    listeners.discard(sub)
                    sub.channels.discard(row.channel)
                    self._put(sub, Item(row.id, row.channel, "live-denied", row.channel))

    def _put(self, sub: Subscriber, item: Item) -> None:
        if sub.overflow:
            return
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            sub.overflow = True

    async def replay(
        self, names: set[str], since_id: int | None, since_time: datetime | None, upto: int
    ) -> tuple[list[Item], bool]:
        """Events of `names` after `since_id` (or `since_time`) up to `upto`; True = too old."""
        return await self.db(_replay, sorted(names), since_id, since_time, upto)

    # --- background tasks ------------------------------------------------------------------
    async def _revalidate_loop(self) -> None:
        """Close the streams of sessions that ended (logout, idle timeout, account disabled)."""
        rounds = 0
        while True:
            await asyncio.sleep(REVALIDATE_SECONDS)
            rounds += 1
            if rounds % PRUNE_EVERY == 0:
                try:
                    await self.db(events_prune)
                except Exception:
                    log.exception("live: pruning old events failed")
            subs = {sub for listeners in self.by_channel.values() for sub in listeners}
            verdicts: dict[str, int | None] = {}
            for sub in subs:
                if sub.session_key not in verdicts:
                    try:
                        verdicts[sub.session_key] = await self.db(
                            auth.user_for_session, sub.session_key
                        )
                    except Exception:
                        log.exception("live: checking a session failed")
                        verdicts[sub.session_key] = sub.user_id
                if verdicts[sub.session_key] != sub.user_id:
                    sub.close()

    async def _listen_loop(self) -> None:
        """PostgreSQL: LISTEN desk_live and wake the delivery at each commit that published."""
        import psycopg

        params = _pg_params()
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(**params, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.wake.set()  # anything committed while we were not listening
                    async for _ in conn.notifies():
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live: LISTEN connection lost; polling until it is back")
                await asyncio.sleep(2)


def _pg_params() -> dict[str, Any]:
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    params: dict[str, Any] = {"dbname": db["NAME"]}
    for key, name in (
        ("USER", "user"),
        ("PASSWORD", "password"),
        ("HOST", "host"),
        ("PORT", "port"),
    ):
        if db.get(key):
            params[name] = db[key]
    for key, value in (db.get("OPTIONS") or {}).items():
        if key in {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}:
            params[key] = value
    return params


def _newest_id() -> int:
    close_old_connections()
    return int(Event.objects.order_by("-id").values_list("id", flat=True).first() or 0)


def _fetch(after: int, gaps: list[int]) -> list[Item]:
    close_old_connections()
    query = Q(id__gt=after)
    if gaps:
        query |= Q(id__in=gaps)
    rows = Event.objects.filter(query).order_by("id").values_list("id", "channel", "name", "data")
    return [Item(*row) for row in rows[:BATCH]]


def _replay(
    names: list[str], since_id: int | None, since_time: datetime | None, upto: int
) -> tuple[list[Item], bool]:
    close_old_connections()
    rows = Event.objects.filter(channel__in=names, id__lte=upto)
    if since_id is not None:
        oldest = Event.objects.aggregate(m=Min("id"))["m"]
        if oldest is not None and since_id < oldest - 1:
            return [], True
        rows = rows.filter(id__gt=since_id)
    elif since_time is not None:
        rows = rows.filter(created_at__gte=since_time)
    else:
        return [], False
    found = [
        Item(*r)
        for r in rows.order_by("id").values_list("id", "channel", "name", "data")[: REPLAY_MAX + 1]
    ]
    if len(found) > REPLAY_MAX:
        return [], True
    return found, False
