"""Scan-like test pages rendered from the legal texts (tests, benchmark, demo).

A page is Vietnamese prose set in Liberation Serif 12 pt on A4 at 300 dpi, then
made to look scanned: a small rotation (skew), grey paper, speckle noise and a
slight blur. The text drawn is returned too, as the ground truth for the
character error rate.
"""
from __future__ import annotations

import json
import random
import textwrap
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
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


def legal_paragraphs(limit: int | None = None, legal_dir: Path | None = None) -> Iterator[str]:
    """Articles of BLTTHS 2015 then BLHS 2015 as 'Điều N. Title\\ntext' strings."""
    if legal_dir is None:
        from digitaldesk.cases.legal.code import data_dir

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


def render_page(text: str, *, seed: int = 0, skew_degrees: float | None = None, noise: float = 0.01,
                dpi: int = 300, max_lines: int = 44, header: str = "") -> SamplePage:
    """Render `text` onto one A4 page; returns the image and the lines drawn."""
    rng = random.Random(seed)
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
    for i, line in enumerate(lines):
        draw.text((margin_x, margin_y + i * line_h), line, font=font, fill=rng.randint(0, 40))
    angle = skew_degrees if skew_degrees is not None else rng.uniform(-1.2, 1.2)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
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
    return SamplePage(page, "\n".join(lines))


def sample_pages(count: int, *, seed: int = 1, noise: float = 0.01, legal_dir: Path | None = None,
                 headers: bool = False) -> Iterator[SamplePage]:
    """`count` pages of consecutive legal text (a page is filled from several articles)."""
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
                raise RuntimeError("Không tìm thấy văn bản BLHS/BLTTHS (tệp .jsonl) để dựng trang mẫu; "
                                   "đặt DESK_LEGAL_DATA_DIR tới thư mục dữ liệu pháp luật.")
        yield render_page("\n".join(chunk), seed=seed * 1000 + n, noise=noise,
                          header=f"Trang {n + 1}" if headers else "")


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of `hypothesis` against the ground truth `reference` (0..1): the
    Levenshtein distance over NFC text with runs of whitespace made one space, divided by the
    reference's length."""
    ref = " ".join(unicodedata.normalize("NFC", reference).split())
    hyp = " ".join(unicodedata.normalize("NFC", hypothesis).split())
    prev = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, b in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b))
        prev = cur
    return prev[-1] / max(1, len(ref))


def save_pdf(pages: list[Image.Image], path: Path, dpi: int = 300) -> Path:
    """A multi-page 'scanned' PDF: one JPEG image per page, like a scanner makes."""
    first, rest = pages[0], pages[1:]
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest, quality=85)
    return path
