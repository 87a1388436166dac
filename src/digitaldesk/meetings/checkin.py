"""The rotating check-in code shown in the room as a QR code.

code = "<meeting id>.<window>.<mac>", window = unix time // WINDOW_SECONDS, mac = HMAC-SHA256
(Django's `salted_hmac`, keyed by SECRET_KEY) over the meeting id and the window. A code is
accepted during its own window and the next one (so a code read just before the rotation still
works), i.e. at most 2 × WINDOW_SECONDS: a photo of yesterday's screen, or of another meeting's,
is refused. The screen asks for a new code every WINDOW_SECONDS / 2.
"""

from __future__ import annotations

import io
import time

from django.utils.crypto import constant_time_compare, salted_hmac

WINDOW_SECONDS = 30
_SALT = "digitaldesk.meetings.checkin"


class CodeRefused(ValueError):
    """The code is forged, expired or of another meeting; the message is for the user."""


def _mac(meeting_id: int, window: int) -> str:
    return salted_hmac(_SALT, f"{meeting_id}:{window}", algorithm="sha256").hexdigest()[:32]


def current_code(meeting_id: int, *, now: float | None = None) -> str:
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    return f"{meeting_id}.{window}.{_mac(meeting_id, window)}"


def check_code(meeting_id: int, code: str, *, now: float | None = None) -> None:
    """Raise CodeRefused unless `code` is this meeting's code of the current or previous window."""
    parts = (code or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise CodeRefused(
            "Mã điểm danh không hợp lệ. Hãy quét lại mã QR đang chiếu trong phòng họp."
        )
    if int(parts[0]) != meeting_id:
        raise CodeRefused("Mã điểm danh này là của cuộc họp khác.")
    window = int(parts[1])
    if not constant_time_compare(parts[2], _mac(meeting_id, window)):
        raise CodeRefused(
            "Mã điểm danh không hợp lệ. Hãy quét lại mã QR đang chiếu trong phòng họp."
        )
    now_window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    if not now_window - 1 <= window <= now_window:
        raise CodeRefused(
            "Mã điểm danh đã hết hạn (mã QR đổi sau mỗi 30 giây). "
            "Hãy quét mã đang chiếu trong phòng họp, hoặc đề nghị thư ký điểm danh."
        )


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG (the `qrcode` package, no image file, no CDN)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")
