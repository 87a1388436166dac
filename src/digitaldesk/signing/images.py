"""Signature and seal images (transparent PNG), and the visible text of signatures.

NĐ 30/2020 Phụ lục I (as summarised in DOMAIN.md §1.8, [S]): the signer's
image is the handwritten signature in blue on a transparent PNG (box 7c); the
organisation's image is the seal in red, actual size, transparent PNG, covering
about 1/3 of the signer's image on the left (box 8), with the organisation's
name and the signing time (ISO 8601, Vietnam time zone) in Times New Roman
10 pt. Demo images are generated here; officials and admins may upload their own.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from functools import cache, lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from digitaldesk.core.images import ImageRefused, ImageTooLarge, open_image_safely
from digitaldesk.signing import conf
from digitaldesk.signing.errors import SigningError

BLUE = (16, 52, 166)
RED = (214, 26, 32)
BLACK = (0, 0, 0)
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_SIDE_PX = 4000
SEAL_DIAMETER_MM = 36.0  # an agency seal is about 35-42 mm across
PX_PER_PT = 4  # 288 dpi for rasterised appearances


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _png(image: Image.Image, compress_level: int = 6) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=compress_level)
    return out.getvalue()


@lru_cache(maxsize=64)
def _seal_at(seal: bytes, side: int) -> Image.Image:
    """The seal image resized to `side` pixels (cached: resampling a seal costs ~0.1 s)."""
    with Image.open(io.BytesIO(seal)) as image:
        return image.convert("RGBA").resize((side, side), Image.Resampling.LANCZOS)


def signature_png(full_name: str) -> bytes:
    """A demo 'handwritten' signature: the given name in italic, in blue, with a flourish."""
    parts = full_name.split()
    text = parts[-1] if parts else full_name
    initials = "".join(p[0] for p in parts[:-1])
    width, height = 720, 300
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = _font(str(conf.script_font_path()), 150)
    label = f"{initials[:2]}.{text}" if initials else text
    box = draw.textbbox((0, 0), label, font=font)
    x = (width - (box[2] - box[0])) / 2 - box[0]
    y = (height - (box[3] - box[1])) / 2 - box[1] - 20
    draw.text((x, y), label, font=font, fill=BLUE + (255,))
    # A flourish under the name: a slanted, slightly curved stroke.
    points = [(60 + i * 6, 230 - 18 * math.sin(i / 18) - i * 0.25) for i in range(0, 100)]
    draw.line(points, fill=BLUE + (255,), width=7, joint="curve")
    return _png(image)


def seal_png(organisation: str, *, city: str = "") -> bytes:
    """A demo round seal: two rings, the organisation's name around, a star in the centre."""
    size = 720
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = RED + (235,)
    c = size / 2
    draw.ellipse((12, 12, size - 12, size - 12), outline=ink, width=16)
    draw.ellipse((150, 150, size - 150, size - 150), outline=ink, width=7)
    # Five-pointed star (the emblem is replaced by a star in the demo seal).
    star = []
    for i in range(10):
        radius = 120 if i % 2 == 0 else 48
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=ink)
    text = organisation.upper()
    if city:
        text = f"{text} ★ {city.upper()}"
    font = _font(str(conf.font_path().with_name("LiberationSerif-Bold.ttf")), 46)
    ring_radius = (size / 2 - 12 - 150) / 2 + 150 - 16
    # Lay the characters along the ring, clockwise from the left, leaving the bottom free.
    widths = [draw.textlength(ch, font=font) for ch in text]
    total = sum(widths) + 4 * len(text)
    sweep = min(total / ring_radius, math.radians(320))
    scale = sweep / (total / ring_radius) if total else 1
    angle = math.radians(-90) - sweep / 2
    for ch, w in zip(text, widths, strict=True):
        step = (w + 4) / ring_radius * scale
        mid = angle + step / 2
        glyph = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((40, 40), ch, font=font, fill=ink, anchor="mm")
        rotated = glyph.rotate(-math.degrees(mid) - 90, resample=Image.Resampling.BICUBIC)
        gx = c + ring_radius * math.cos(mid) - 40
        gy = c + ring_radius * math.sin(mid) - 40
        image.alpha_composite(rotated, (int(gx), int(gy)))
        angle += step
    return _png(image)


def clean_upload(data: bytes) -> bytes:
    """Check an uploaded image and re-encode it as a transparent PNG (metadata stripped).

    A picture without transparency (e.g. a scan on white paper) gets its near-white
    pixels made transparent, so it does not hide the text below it.
    """
    if not data:
        raise SigningError("Chưa chọn tệp ảnh.")
    if len(data) > MAX_IMAGE_BYTES:
        raise SigningError("Ảnh quá lớn (tối đa 2 MB).")
    try:
        with open_image_safely(data, max_pixels=MAX_SIDE_PX * MAX_SIDE_PX) as probe:
            if probe.format not in {"PNG", "JPEG"}:
                raise SigningError("Ảnh phải là tệp PNG (nền trong suốt) hoặc JPEG.")
            if probe.width > MAX_SIDE_PX or probe.height > MAX_SIDE_PX:
                raise SigningError(f"Ảnh quá lớn (tối đa {MAX_SIDE_PX}×{MAX_SIDE_PX} điểm ảnh).")
            probe.load()
            image = probe.convert("RGBA")
            had_alpha = probe.mode in {"RGBA", "LA", "PA"} or "transparency" in probe.info
    except SigningError:
        raise
    except ImageTooLarge as exc:
        raise SigningError(str(exc)) from exc
    except (ImageRefused, OSError, ValueError) as exc:
        raise SigningError("Tệp ảnh bị hỏng hoặc không đọc được.") from exc
    if not had_alpha:
        ink = image.convert("L").point(lambda v: 0 if v > 235 else 255)
        image.putalpha(ImageChops.multiply(image.getchannel("A"), ink))
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        raise SigningError("Ảnh trống (toàn bộ trong suốt hoặc trắng).")
    return _png(image.crop(bbox))


def image_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def vietnam_time(moment: dt.datetime) -> str:
    """ISO 8601 with the Vietnam offset, e.g. 2026-03-05T09:30:15+07:00."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width_px: float
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def text_lines_png(
    lines: list[str], *, width_pt: float, size_pt: float = 10
) -> tuple[bytes, float]:
    """Black text lines (Times New Roman metrics), wrapped to `width_pt`. Returns (PNG, height in
    pt)."""
    font = _font(str(conf.font_path()), int(size_pt * PX_PER_PT))
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(_wrap(probe, line, font, width_pt * PX_PER_PT) or [""])
    line_px = int(size_pt * 1.2 * PX_PER_PT)
    image = Image.new("RGBA", (int(width_pt * PX_PER_PT), line_px * len(wrapped) + 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(wrapped):
        draw.text((0, index * line_px), line, font=font, fill=BLACK + (255,))
    return _png(image, compress_level=1), image.height / PX_PER_PT


def organisation_appearance(
    seal: bytes, lines: list[str], *, seal_pt: float, text_width_pt: float
) -> tuple[bytes, float, float]:
    """Box 8: the seal (actual size) with the organisation's name and signing time below it.

    Returns (PNG, width in pt, height in pt); the seal occupies the top-left square.
    """
    text_png, text_h = text_lines_png(lines, width_pt=text_width_pt)
    width_pt = max(seal_pt, text_width_pt)
    height_pt = seal_pt + 2 + text_h
    canvas = Image.new(
        "RGBA", (int(width_pt * PX_PER_PT), int(height_pt * PX_PER_PT)), (0, 0, 0, 0)
    )
    canvas.alpha_composite(_seal_at(seal, int(seal_pt * PX_PER_PT)), (0, 0))
    with Image.open(io.BytesIO(text_png)) as text_image:
        canvas.alpha_composite(text_image.convert("RGBA"), (0, int((seal_pt + 2) * PX_PER_PT)))
    # Transient image: decoded again at once to go into the PDF, so compress it lightly.
    return _png(canvas, compress_level=1), width_pt, height_pt
