"""Scan-like test pages rendered from the legal texts (tests, benchmark, demo).

A page is Vietnamese prose set in Liberation Serif 12 pt on A4 at 300 dpi, then
made to look scanned: a small rotation (skew), grey paper, speckle noise and a
slight blur. The text drawn is returned too, as the ground truth for the
character error rate.
"""

from __future__ import annotations

import json
import math
import random
import textwrap
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
]
A4_300DPI = (2480, 3508)


@dataclass
class SamplePage:
    image: Image.Image
    text: str  # what was drawn, line by line
    # Where each word was drawn, as in `PageText.words`: (text, x0, y0, x1, y1), fractions of the
    # image; for a skewed page, the upright box around the word as turned.
    words: list[tuple[str, float, float, float, float]] = field(default_factory=list)


def legal_paragraphs(limit: int | None = None, legal_dir: Path | None = None) -> Iterator[str]:
    """Articles of BLTTHS 2015 then BLHS 2015 as 'Điều N. Title\\ntext' strings."""
    if legal_dir is None:
        from digitaldesk.law.code import data_dir

        legal_dir = data_dir()
    base = legal_dir
    count = 0
    for name in ("bltths-2015.jsonl", "blhs-2015.jsonl"):
        path = base / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if not row.get("text"):
                    continue
                label = row.get("article_label") or f"Điều {row['article']}"
                yield f"{label}. {row.get('title', '')}\n{row['text']}"
                count += 1
                if limit is not None and count >= limit:
                    return


def _font(size: int) -> ImageFont.FreeTypeFont:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    raise RuntimeError("Không tìm thấy phông Liberation Serif/DejaVu Serif (gói fonts-liberation).")


def render_page(
    text: str,
    *,
    seed: int = 0,
    skew_degrees: float | None = None,
    noise: float = 0.01,
    dpi: int = 300,
    max_lines: int = 44,
    header: str = "",
) -> SamplePage:
    """Render `text` onto one A4 page; returns the image and the lines drawn."""
    rng = random.Random(seed)  # noqa: S311  (seeded noise for reproducible samples)
    scale = dpi / 300
    width, height = int(A4_300DPI[0] * scale), int(A4_300DPI[1] * scale)
    font = _font(int(50 * scale))  # 12 pt at 300 dpi
    margin_x, margin_y, line_h = int(236 * scale), int(236 * scale), int(66 * scale)
    chars = 74
    lines: list[str] = []
    if header:
        lines.append(header)
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, chars) or [""])
    lines = [ln for ln in lines if ln.strip()][:max_lines]
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    drawn: list[tuple[str, tuple[float, float, float, float]]] = []
    for i, line in enumerate(lines):
        origin = (margin_x, margin_y + i * line_h)
        draw.text(origin, line, font=font, fill=rng.randint(0, 40))
        start = 0
        for word in line.split():
            start = line.index(word, start)
            x = origin[0] + font.getlength(line[:start])
            drawn.append((word, draw.textbbox((x, origin[1]), word, font=font)))
            start += len(word)
    angle = skew_degrees if skew_degrees is not None else rng.uniform(-1.2, 1.2)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    words = [(word, *_turned_box(box, angle, width, height)) for word, box in drawn]
    if noise:
        paper = Image.effect_noise((width, height), 18).point(lambda v: 235 + (v - 128) // 16)
        page = Image.composite(page, paper, page.point(lambda v: 255 if v < 200 else 0))
        speckle = Image.new("L", (width, height), 255)
        sdraw = ImageDraw.Draw(speckle)
        for _ in range(int(width * height * noise / 400)):
            x, y = rng.randrange(width), rng.randrange(height)
            sdraw.point((x, y), fill=rng.randint(60, 160))
        page = Image.composite(speckle, page, speckle.point(lambda v: 255 if v < 255 else 0))
        page = page.filter(ImageFilter.GaussianBlur(0.6 * scale))
    page.info["dpi"] = (dpi, dpi)
    return SamplePage(page, "\n".join(lines), words)


def _turned_box(
    box: tuple[float, float, float, float], angle: float, width: int, height: int
) -> tuple[float, float, float, float]:
    """The upright box (fractions) around `box` (pixels) once the page is turned `angle` degrees
    counter-clockwise about its centre, as `Image.rotate(angle)` turns it."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = width / 2, height / 2
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * cos + dy * sin)
        ys.append(cy - dx * sin + dy * cos)
    return min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height


def sample_pages(
    count: int,
    *,
    seed: int = 1,
    noise: float = 0.01,
    legal_dir: Path | None = None,
    headers: bool = False,
    skew_degrees: float | None = None,
) -> Iterator[SamplePage]:
    """`count` pages of consecutive legal text (a page is filled from several articles), each
    turned `skew_degrees` counter-clockwise (default: a random skew within ±1.2°)."""
    source = legal_paragraphs(legal_dir=legal_dir)
    for n in range(count):
        chunk: list[str] = []
        size = 0
        for para in source:
            chunk.append(para)
            size += len(para)
            if size > 2600:
                break
        if not chunk:
            source = legal_paragraphs(legal_dir=legal_dir)
            chunk = [next(source, "")]
            if not chunk[0]:
                raise RuntimeError(
                    "Không tìm thấy văn bản BLHS/BLTTHS (tệp .jsonl) để dựng trang mẫu; "
                    "đặt DESK_LEGAL_DATA_DIR tới thư mục dữ liệu pháp luật."
                )
        yield render_page(
            "\n".join(chunk),
            seed=seed * 1000 + n,
            noise=noise,
            skew_degrees=skew_degrees,
            header=f"Trang {n + 1}" if headers else "",
        )


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against the ground truth `reference` (0..1): the
    Levenshtein distance over NFC text with runs of whitespace made one space, divided by the
    reference's length."""
    ref = " ".join(unicodedata.normalize("NFC", reference).split())
    hyp = " ".join(unicodedata.normalize("NFC", hypothesis).split())
    return levenshtein(ref, hyp) / max(1, len(ref))


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between `a` and `b`: Myers' bit-vector
    algorithm (Hyyrö's formulation), one column of the dynamic-programming table per character of
    `b` held in two integers of len(a) bits, so a page of 3,000 characters takes milliseconds
    instead of the seconds of the plain table (tests/ocr/test_samples.py checks both agree)."""
    m = len(a)
    if not m:
        return len(b)
    peq: dict[str, int] = {}
    for i, char in enumerate(a):
        peq[char] = peq.get(char, 0) | (1 << i)
    full, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = full, 0, m
    for char in b:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def save_pdf(pages: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """A multi-page 'scanned' PDF: one JPEG image per page, like a scanner makes."""
    first, rest = pages[0], pages[1:]
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest, quality=85)
    return path
