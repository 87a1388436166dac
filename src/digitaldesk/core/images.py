"""The one way the desk opens an image it did not make (docs/security-sections/files.md).

    image = open_image_safely(data_or_path)     # ImageTooLarge / ImageUnreadable

Pillow decodes lazily, so a 30000 × 30000 PNG of a few hundred kilobytes opens in
no time and only explodes (gigabytes of memory) when its pixels are read. Every
app (documents, case files, OCR, signing) opens uploads through this function:
the header is read, the pixel count compared with DESK_MAX_IMAGE_PIXELS (or a
tighter limit given by the caller) and a refusal with the figures raised before
any pixel is decoded. Pillow's own guard (DecompressionBombError/Warning) gives
the same refusal, never a "damaged file" message.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import IO

from django.conf import settings
from PIL import Image, UnidentifiedImageError

_PIXELS_IN_MESSAGE = re.compile(r"\((\d+) pixels\)")


class ImageRefused(ValueError):
    """An image the desk will not open; the message is for the user (Vietnamese)."""


class ImageTooLarge(ImageRefused):
    def __init__(self, pixels: int | None, limit: int) -> None:
        self.pixels, self.limit = pixels, limit
        got = f"{group_digits(pixels)} điểm ảnh, " if pixels else ""
        super().__init__(
            f"Ảnh quá lớn ({got}tối đa {group_digits(limit)} điểm ảnh): nghi là “bom giải nén”, "
            "không mở được. Vui lòng quét lại ở độ phân giải 200–300 dpi rồi tải lên lại."
        )


class ImageUnreadable(ImageRefused):
    def __init__(self) -> None:
        super().__init__(
            "Tệp ảnh bị hỏng hoặc không đúng định dạng, không đọc được. Vui lòng quét lại."
        )


def group_digits(value: int) -> str:
    """900000000 -> "900.000.000" (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def max_image_pixels() -> int:
    return int(settings.DESK_MAX_IMAGE_PIXELS)


def open_image_safely(
    source: bytes | Path | str | IO[bytes],
    *,
    max_pixels: int | None = None,
    every_frame: bool = True,
) -> Image.Image:
    """Open an image (bytes, a path or a binary file) after checking its size.

    1. The limit is `max_pixels` if given, else DESK_MAX_IMAGE_PIXELS.
    2. Pillow reads the header only; its own bomb guard is set to the same limit and
       its warning is turned into the refusal (thread-local warning state is not
       needed: the explicit check in step 3 refuses the same images).
    3. Every frame's width × height is checked (a TIFF may hide a huge page behind a
       small first one). Raises ImageTooLarge or ImageUnreadable; the caller closes
       the returned image (use it in a `with` block).

    `every_frame=False` checks the first frame only: for a caller that reads one frame of a
    file already checked whole (the OCR of a TIFF page, `check_frame` on the frame it seeks
    to), so reading page n of a 500-page TIFF does not walk the other 499 frames first.
    """
    limit = max_pixels if max_pixels is not None else max_image_pixels()
    # Pillow refuses outright past twice its limit; our own check below refuses past the limit.
    Image.MAX_IMAGE_PIXELS = max(limit, max_image_pixels())
    stream: bytes | Path | str | IO[bytes] = (
        io.BytesIO(source) if isinstance(source, bytes) else source
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream)
    except Image.DecompressionBombError as exc:
        match = _PIXELS_IN_MESSAGE.search(str(exc))
        raise ImageTooLarge(int(match.group(1)) if match else None, limit) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageUnreadable() from exc
    try:
        if every_frame:
            _check_frames(image, limit)
        else:
            check_frame(image, limit)
    except BaseException:
        image.close()
        raise
    return image


def check_frame(image: Image.Image, limit: int | None = None) -> None:
    """The frame `image` is on (after `seek`) within `limit` pixels (default
    DESK_MAX_IMAGE_PIXELS), else ImageTooLarge with its figures."""
    limit = limit if limit is not None else max_image_pixels()
    width, height = image.size
    if width * height > limit:
        raise ImageTooLarge(width * height, limit)


def _check_frames(image: Image.Image, limit: int) -> None:
    check_frame(image, limit)
    frames = int(getattr(image, "n_frames", 1) or 1)
    if frames == 1:
        return
    try:
        for index in range(1, frames):
            image.seek(index)
            width, height = image.size
            if width * height > limit:
                raise ImageTooLarge(width * height, limit)
        image.seek(0)
    except (EOFError, OSError, ValueError) as exc:
        raise ImageUnreadable() from exc
