"""The event process end to end: a real `desk live`, real HTTP streams, the test database.

GIVEN officials signed in with the desk's session cookie WHEN a service publishes on a channel
THEN a listener allowed to receive it gets it, a reconnect with Last-Event-ID replays what it
missed, and the wrong persona, an anonymous visitor and a bad channel are refused.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import transaction

from digitaldesk.live.services import publish
from digitaldesk.notifications.services import notify
from tests.conftest import login_client
from tests.live.eventprocess import event_process

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _cookie(user: Any) -> dict[str, str]:
    client = login_client(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _listen(url: str, cookies: dict[str, str], out: queue.Queue[Any], **headers: str) -> None:
    """Read SSE events into `out` as (id, event, data) until the stream ends."""
    with (
        httpx.Client(cookies=cookies, timeout=httpx.Timeout(30, read=60)) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        out.put(("status", response.status_code))
        event: dict[str, str] = {}
        for line in response.iter_lines():
            if not line:
                if "event" in event:
                    out.put((event.get("id"), event["event"], event.get("data", "")))
                event = {}
            elif not line.startswith(":") and ":" in line:
                field, _, value = line.partition(":")
                event[field] = value[1:] if value.startswith(" ") else value


def _next_event(out: queue.Queue[Any], name: str) -> tuple[str, str, str]:
    while True:
        item = out.get(timeout=30)
        if item[1] == name:
            return item  # type: ignore[no-any-return]


def test_events_reach_allowed_listeners_replay_and_refusals(org: Any) -> None:
    minh, lan = org.people["minh"], org.people["lan"]
    with event_process() as base:
        stream = f"{base}/su-kien/?kenh=user:{minh.pk}"
        # Refusals: anonymous, another official's channel, an unknown channel kind.
        assert httpx.get(stream, timeout=10).status_code == 401
        refused = httpx.get(stream, cookies=_cookie(lan), timeout=10)
        assert refused.status_code == 403
        assert "không có quyền" in refused.text
        bad = httpx.get(f"{base}/su-kien/?kenh=khong-ton-tai:1", cookies=_cookie(minh), timeout=10)
        assert bad.status_code == 400

        out: queue.Queue[Any] = queue.Queue()
        cookies = _cookie(minh)
        threading.Thread(target=_listen, args=(stream, cookies, out), daemon=True).start()
        assert out.get(timeout=30) == ("status", 200)

        # A change rolled back publishes nothing; a committed one arrives.
        with pytest.raises(RuntimeError), transaction.atomic():
            publish(f"user:{minh.pk}", "thu-nghiem", {"n": 0})
            raise RuntimeError("rollback")
        notify(users=[minh], title="Có văn bản mới")
        first_id, _, data = _next_event(out, "notification")
        assert "id" in json.loads(data)
        publish(f"user:{minh.pk}", "thu-nghiem", {"n": 1})
        publish(f"user:{lan.pk}", "thu-nghiem", {"n": 99})  # someone else's: never seen here
        publish(f"user:{minh.pk}", "thu-nghiem", {"n": 2})
        seen = [json.loads(_next_event(out, "thu-nghiem")[2])["n"] for _ in range(2)]
        assert seen == [1, 2]

        # Reconnect after the first event: Last-Event-ID replays the two missed ones in order.
        again: queue.Queue[Any] = queue.Queue()
        threading.Thread(
            target=_listen,
            args=(stream, cookies, again),
            kwargs={"Last-Event-ID": first_id},
            daemon=True,
        ).start()
        assert again.get(timeout=30) == ("status", 200)
        replayed = [json.loads(_next_event(again, "thu-nghiem")[2])["n"] for _ in range(2)]
        assert replayed == [1, 2]
