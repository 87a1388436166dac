"""Where the visible signatures go on the page (NĐ 30/2020 Phụ lục I boxes 7c, 8, 14).

The text of a page comes from poppler's `pdftotext -bbox-layout` (word boxes in
points, origin at the top left). Coordinates returned here are PDF user space
(origin at the bottom left), as (x1, y1, x2, y2).
"""

from __future__ import annotations

import re
import subprocess  # noqa: S404  (poppler is a fixed, trusted binary)
import tempfile
import xml.etree.ElementTree as ET  # noqa: S405  (poppler's own output, text escaped)
from dataclasses import dataclass
from pathlib import Path

from digitaldesk.core.text import fold
from digitaldesk.signing import conf

Box = tuple[float, float, float, float]
MM = 72 / 25.4
# Signing-authority prefixes (NĐ 30/2020 Điều 13; abbreviations per Phụ lục I [S]).
AUTHORITY_PREFIXES = ("tm.", "kt.", "q.", "tl.", "tuq.")


@dataclass(frozen=True)
class Line:
    text: str
    x1: float
    top: float
    x2: float
    bottom: float

    @property
    def folded(self) -> str:
        return re.sub(r"\s+", " ", fold(self.text)).strip()

    @property
    def centre_x(self) -> float:
        return (self.x1 + self.x2) / 2


@dataclass(frozen=True)
class PageText:
    width: float
    height: float
    lines: list[Line]


def page_text(pdf_path: Path, page_number: int) -> PageText | None:
    """Lines of text with their boxes on page `page_number` (1-based); None if poppler fails."""
    with tempfile.TemporaryDirectory(prefix="desk-layout-") as tmp:
        out = Path(tmp) / "page.html"
        try:
            subprocess.run(  # noqa: S603
                [
                    conf.pdftotext_cmd(),
                    "-q",
                    "-bbox-layout",
                    "-f",
                    str(page_number),
                    "-l",
                    str(page_number),
                    str(pdf_path),
                    str(out),
                ],
                check=True,
                timeout=30,
                capture_output=True,
            )
            root = ET.fromstring(out.read_bytes())  # noqa: S314
        except (subprocess.SubprocessError, OSError, ET.ParseError):
            return None
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    page = root.find(".//h:page", ns)
    if page is None:
        return None
    lines = []
    for line in page.iterfind(".//h:line", ns):
        words = [w.text or "" for w in line.iterfind("h:word", ns)]
        lines.append(
            Line(
                " ".join(words),
                float(line.get("xMin", 0)),
                float(line.get("yMin", 0)),
                float(line.get("xMax", 0)),
                float(line.get("yMax", 0)),
            )
        )
    return PageText(float(page.get("width", 595.28)), float(page.get("height", 841.89)), lines)


def _strip_prefix(folded: str) -> str:
    for prefix in AUTHORITY_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :].strip()
    return folded


def fit(box_w: float, box_h: float, image_w: int, image_h: int) -> tuple[float, float]:
    """The largest size with the image's aspect ratio that fits in the box."""
    scale = min(box_w / image_w, box_h / image_h)
    return image_w * scale, image_h * scale


def personal_box(
    text: PageText | None,
    *,
    title: str,
    name: str,
    image_w: int,
    image_h: int,
    max_w: float = 150,
    max_h: float = 62,
) -> tuple[Box, str]:
    """Box 7c: the signature image centred between the signer's title and name.

    1. Find the last line whose text (without TM./KT./Q./TL./TUQ.) is the signer's title.
    2. Find the first line below it that is the signer's name.
    3. Centre the image horizontally on the title and vertically in the gap; without a
       name line, put it just below the title; without either, use a default box in the
       right half of the page under the last line of text.
    Returns (box, how) where `how` says which rule placed it.
    """
    width = text.width if text else 595.28
    height = text.height if text else 841.89
    want_title = _strip_prefix(fold(title).strip()) if title else ""
    want_name = fold(name).strip()
    lines = text.lines if text else []
    title_line = None
    if want_title:
        for line in lines:
            if _strip_prefix(line.folded) == want_title and line.centre_x > width * 0.4:
                title_line = line
    if title_line is None and want_name:
        # A name in the right half, without the title (e.g. a "Thừa ủy quyền" block with another
        # wording).
        name_only = [ln for ln in lines if ln.folded == want_name and ln.centre_x > width * 0.4]
        if name_only:
            name_line = name_only[-1]
            w, h = fit(max_w, max_h, image_w, image_h)
            cx, bottom_pdf = name_line.centre_x, height - name_line.top + 4
            return (cx - w / 2, bottom_pdf, cx + w / 2, bottom_pdf + h), "name"
    if title_line is not None:
        below_title = next(
            (
                ln
                for ln in lines
                if ln.top > title_line.bottom
                and ln.folded == want_name
                and abs(ln.centre_x - title_line.centre_x) < 120
            ),
            None,
        )
        cx = title_line.centre_x
        if below_title is not None:
            gap_top, gap_bottom = title_line.bottom + 3, below_title.top - 3
            gap = max(24.0, gap_bottom - gap_top)
            w, h = fit(max_w, min(max_h, gap), image_w, image_h)
            mid = height - (gap_top + gap_bottom) / 2
            return (cx - w / 2, mid - h / 2, cx + w / 2, mid + h / 2), "title+name"
        w, h = fit(max_w, max_h, image_w, image_h)
        top = height - title_line.bottom - 6
        return (cx - w / 2, top - h, cx + w / 2, top), "title"
    # Default: right half, below the last line of text if there is room, else above the bottom
    # margin.
    w, h = fit(max_w, max_h, image_w, image_h)
    cx = width * 0.72
    lowest = max((ln.bottom for ln in lines), default=height * 0.55)
    top = height - lowest - 12
    if top - h < 20 * MM:
        top = 20 * MM + h
    return (cx - w / 2, top - h, cx + w / 2, top), "default"


def organisation_box(personal: Box, *, seal_pt: float, width_pt: float, height_pt: float) -> Box:
    """Box 8: the seal covers about 1/3 of the signer's image, on the left (NĐ 30/2020 Điều 33.1
    for the paper seal; Phụ lục I [S] for the electronic one). The seal is the top-left square
    of the appearance; its centre is level with the centre of the signer's image."""
    x1, y1, x2, y2 = personal
    seal_right = x1 + (x2 - x1) / 3
    seal_left = seal_right - seal_pt
    seal_centre_y = (y1 + y2) / 2
    top = seal_centre_y + seal_pt / 2
    return (seal_left, top - height_pt, seal_left + width_pt, top)


def top_right_box(page_w: float, page_h: float, *, width_pt: float, height_pt: float) -> Box:
    """Box 14: top right of the first page (copies, separate-file attachments), inside the
    margins."""
    right = page_w - 15 * MM
    top = page_h - 8 * MM
    return (right - width_pt, top - height_pt, right, top)
