"""The event process: an ASGI application (Starlette + sse-starlette) run by uvicorn.

`desk live` serves it; `desk serve` starts it beside gunicorn. It answers one path,
`/su-kien/?kenh=<channel>&kenh=…`, with a `text/event-stream` of the events the signed-in
official may receive (docs/live.md).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitaldesk.config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from sse_starlette import EventSourceResponse, ServerSentEvent  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from digitaldesk.live import auth, channels  # noqa: E402
from digitaldesk.live.hub import Hub, Item, Subscriber  # noqa: E402

PATH = "/su-kien/"
MAX_CHANNELS = 20
CLOCK_MARGIN = timedelta(seconds=5)  # the page's clock and the writers' clocks may differ a little

hub = Hub()


def _cors(request: Request) -> tuple[dict[str, str], bool]:
    """Headers for a page on another port of the same host (the embedded default), and whether
    the Origin is acceptable. Production serves pages and streams from one origin."""
    origin = request.headers.get("origin")
    if not origin:
        return {}, True
    origin_host = urlsplit(origin).hostname
    own_host = urlsplit(f"//{request.headers.get('host', '')}").hostname
    if origin_host and (origin_host == own_host or origin in settings.DESK_LIVE_ALLOWED_ORIGINS):
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin",
        }, True
    return {}, False


def _refuse(status: int, message: str, headers: dict[str, str]) -> Response:
    return PlainTextResponse(message, status_code=status, headers=headers)


def _since(request: Request) -> tuple[int | None, datetime | None]:
    """Replay point: the browser's Last-Event-ID after a reconnect; for a fresh page, the page's
    render time if it passed one (`tu`, ms), else the last DESK_LIVE_FRESH_REPLAY_SECONDS, so
    that an event published between the page's render and its connection is not lost (events
    are idempotent triggers: receiving one twice costs a refetch)."""
    last = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    if last and last.isdigit():
        return int(last), None
    stamp = request.query_params.get("tu", "")
    if stamp.isdigit():
        try:
            return None, datetime.fromtimestamp(int(stamp) / 1000, tz=UTC) - CLOCK_MARGIN
        except (OverflowError, ValueError, OSError):
            pass
    return None, datetime.now(tz=UTC) - timedelta(seconds=settings.DESK_LIVE_FRESH_REPLAY_SECONDS)


def _sse(item: Item) -> ServerSentEvent:
    return ServerSentEvent(data=item.data, event=item.name, id=str(item.id))


async def stream(request: Request) -> Response:
    headers, origin_ok = _cors(request)
    if not origin_ok:
        return _refuse(403, "Nguồn yêu cầu không được phép.", headers)
    session_key = request.cookies.get(settings.SESSION_COOKIE_NAME, "")
    user_id = await hub.db(auth.user_for_session, session_key) if session_key else None
    if user_id is None:
        return _refuse(401, "Bạn cần đăng nhập để nhận cập nhật trực tiếp.", headers)
    names = list(dict.fromkeys(request.query_params.getlist("kenh")))
    if not names or len(names) > MAX_CHANNELS:
        return _refuse(400, f"Cần từ 1 đến {MAX_CHANNELS} kênh cập nhật.", headers)
    for name in names:
        try:
            channels.split(name)
        except ValueError:
            return _refuse(400, "Kênh cập nhật không hợp lệ.", headers)
        if user_id not in await hub.db(channels.allowed, name, {user_id}):
            return _refuse(403, "Bạn không có quyền nhận cập nhật của kênh này.", headers)
    if hub.count >= settings.DESK_LIVE_MAX_CONNECTIONS:
        return _refuse(
            503, "Máy chủ cập nhật trực tiếp đang quá tải; vui lòng thử lại sau.", headers
        )

    sub = Subscriber(user_id=user_id, session_key=session_key, channels=set(names))
    upto = hub.subscribe(sub)
    try:
        since_id, since_time = _since(request)
        replay, too_old = await hub.replay(sub.channels, since_id, since_time, upto)
    except BaseException:
        hub.unsubscribe(sub)
        raise

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            yield ServerSentEvent(comment="desk", retry=3000)
            if too_old:
                # Too much was missed: the page reloads its live parts from the server.
                yield ServerSentEvent(data="", event="live-reset", id=str(upto))
            sent = set()
            for old in replay:
                sent.add(old.id)
                yield _sse(old)
            while True:
                item = await sub.queue.get()
                if item is None:
                    break
                if item.id not in sent:
                    yield _sse(item)
                if sub.overflow:
                    break  # too far behind: the browser reconnects and replays from its last id
        finally:
            hub.unsubscribe(sub)

    return EventSourceResponse(
        events(), ping=15, headers={**headers, "Cache-Control": "no-store"}, send_timeout=30
    )


async def health(request: Request) -> Response:
    return PlainTextResponse(f"ok {hub.count}")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await hub.start()
    try:
        yield
    finally:
        await hub.stop()


app = Starlette(
    routes=[Route(PATH, stream), Route(f"{PATH}healthz", health)],
    lifespan=lifespan,
)
