"""The event process restarted mid-meeting: nothing lost (a real `desk live`, real HTTP streams).

GIVEN a participant following an open meeting's stream WHEN the event process stops, the chair
advances the item while it is down, and the process comes back on the same port THEN the
participant's reconnect with Last-Event-ID receives the advance it missed.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx
import pytest
from django.conf import settings

from digitaldesk.meetings import services
from tests.conftest import login_client
from tests.jobs.workers import free_port
from tests.live.eventprocess import event_process
from tests.meetings.test_meetings import meeting_with_items

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _listen(url: str, cookies: dict[str, str], out: queue.Queue[Any], **headers: str) -> None:
    """Read SSE events into `out` as (id, event, data) until the stream ends or breaks."""
    try:
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
    except httpx.HTTPError:
        pass  # the event process went away: the test reconnects, as the browser does
    out.put(("closed", "closed", ""))


def _item_event(out: queue.Queue[Any]) -> tuple[str, int]:
    while True:
        event_id, name, data = out.get(timeout=30)
        assert name != "closed", "the stream ended before the item arrived"
        if name == "meeting-item":
            return event_id, json.loads(data)["item"]


def test_advance_published_while_the_event_process_is_down_reaches_the_reconnect(
    org: Any,
) -> None:
    p = org.people
    chair, minh = p["tp2"], p["minh"]
    meeting = meeting_with_items(org)
    second = services.item_add(actor=p["ptp2"], meeting=meeting, title="Phân công trực")
    services.meeting_open(actor=chair, meeting=meeting)
    meeting.refresh_from_db()
    first_pk = meeting.current_item_id
    assert first_pk is not None and first_pk != second.pk
    client = login_client(minh)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    port = free_port()

    with event_process(port=port) as base:
        stream = f"{base}/su-kien/?kenh=meeting:{meeting.pk}"
        out: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=_listen, args=(stream, cookies, out), daemon=True).start()
        assert out.get(timeout=30) == ("status", 200)
        services.meeting_advance(actor=chair, meeting=meeting, item_id=first_pk)
        last_id, item = _item_event(out)
        assert item == first_pk and last_id

    # The process is down: the chair moves on; the advance is recorded, nobody is connected.
    services.meeting_advance(actor=chair, meeting=meeting, item_id=second.pk)
    while out.get(timeout=30)[0] != "closed":
        pass

    with event_process(port=port) as base:
        again: queue.Queue[Any] = queue.Queue()
        threading.Thread(
            target=_listen,
            args=(f"{base}/su-kien/?kenh=meeting:{meeting.pk}", cookies, again),
            kwargs={"Last-Event-ID": last_id},
            daemon=True,
        ).start()
        assert again.get(timeout=30) == ("status", 200)
        # Replay from Last-Event-ID, in order, up to the advance made while the process was down.
        items = [_item_event(again)[1]]
        while items[-1] != second.pk:
            items.append(_item_event(again)[1])
        assert set(items) <= {first_pk, second.pk}
