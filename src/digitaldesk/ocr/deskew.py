"""Deskew: a skewed scan is read from a straightened copy; the original stays as it is
(docs/ocr.md, "Skewed scans").

Measured (benchmarks/ocr_skew.py, 300-dpi A4 pages): Tesseract's own line finder copes with a
scan turned a degree, but at 2 degrees the character error rate is already 3 to 5 times that of
an upright page, and a page turned 3 degrees clockwise loses most of its text (Tesseract's layout
analysis drops whole blocks: CER 72 %), where a straightened copy reads as well as an upright
scan at every angle measured up to 10 degrees. So, after the ordinary first pass:

1. `engines.skew_from_tsv`: the words of each text line of that pass lie along the line; the
   median slope of the lines is the page's skew, for the price of reading the TSV once more
   (about 2 ms of CPU). Every page gets this figure (`PageText.skew`).
2. When that pass read too little to tell (few words or lines, low confidence) or found a skew
   near or beyond the threshold (`DESK_OCR_DESKEW_DEGREES`, 1.5), `measure` finds the skew from
   the image itself: the projection profile of a quarter-size copy (the angle at which the rows
   of ink are sharpest), searched from -15 to +15 degrees with Pillow's C routines only (about
   50 ms of CPU).
3. Beyond the threshold, `straighten` turns a copy of the page image (never the original) and the
   engine reads that copy; `map_words` carries its word boxes (and so its text layer)
   back onto the original scan (`pdfpage.image_page` puts the original image under the layer
   of an image file), so the searchable PDF and the viewer show the page as scanned and a
   highlight lands on the word as it stands, turned, on the stored image.

An upright page (the common case) is read in one pass.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pikepdf
from django.conf import settings
from PIL import Image

from digitaldesk.ocr import pdfpage
from digitaldesk.ocr.engines import OcrEngine, OcrError, PageText, Word, skew_from_tsv

__all__ = ["measure", "reread_if_skewed", "skew_from_tsv", "straighten", "threshold_degrees"]

# Search range and quality of the image measure.
MAX_DEGREES = 15.0
# A first pass with fewer words than this, or fewer lines to fit, is measured on the image.
FEW_WORDS = 60
FEW_LINES = 3
LOW_CONFIDENCE = 70.0
# The sharpest profile must be this many times sharper than that of a random angle, else the
# page has no lines of text to measure: a blurred photograph measures about 1, a page with
# one line of text 10 or more, a page of text 25 to 90.
MIN_PEAK = 5.0
# How much sooner than the threshold the first pass's estimate sends a page to the image
# measure (on the benchmark's pages the line fit agrees with the image measure within 0.05°).
MARGIN_DEGREES = 0.25
# The straightened copy keeps the page's size when what turns out of it lies within this share
# of the page's width from an edge (5 %: 12 mm of A4, under any margin; up to about 4 degrees).
MARGIN_KEPT = 0.05


def threshold_degrees() -> float:
    """Skew (degrees, either way) from which a page is read from a straightened copy;
    0 turns the step off. `DESK_OCR_DESKEW_DEGREES`, default 1.5."""
    return max(0.0, float(settings.OCR_DESKEW_DEGREES))


# --- 1. the skew of the first pass's lines (`engines.skew_from_tsv`) -------------------
def needs_measure(page: PageText, threshold: float) -> bool:
    """Whether the first pass leaves the page's skew in doubt."""
    if (
        page.skew_lines < FEW_LINES
        or len(page.words) < FEW_WORDS
        or page.confidence < LOW_CONFIDENCE
    ):
        return True
    return abs(page.skew) >= threshold - MARGIN_DEGREES


# --- 2. the skew of the image: projection profile ---------------------------------------
@dataclass
class Measure:
    degrees: float  # counter-clockwise skew of the text lines
    peak: float  # how far the sharpest profile stands above a random angle's (0 = no lines)


def _load_small(source: Path | Image.Image) -> Image.Image:
    """A grey copy of the page about 620 pixels wide (a JPEG file: decoded at that scale)."""
    if isinstance(source, Image.Image):
        grey = source if source.mode == "L" else source.convert("L")
    else:
        with Image.open(source) as image:
            if image.format == "JPEG":
                image.draft("L", (max(1, image.width // 4), max(1, image.height // 4)))
            grey = image.convert("L")
    factor = max(1, round(grey.width / 620))
    return grey.reduce(factor) if factor > 1 else grey


def _ink(grey: Image.Image) -> Image.Image | None:
    """Ink as 255 on 0: darker than halfway between the paper (the median) and the darkest
    five-thousandth of the page (a page with a single line of text has more ink than that)."""
    histogram = grey.histogram()
    total = sum(histogram)
    seen, dark, paper = 0, None, None
    for level, count in enumerate(histogram):
        seen += count
        if dark is None and seen >= total * 0.0002:
            dark = level
        if seen >= total * 0.5:
            paper = level
            break
    if dark is None or paper is None or paper - dark < 40:
        return None
    cut = (dark + paper) // 2
    return grey.point([255 if v < cut else 0 for v in range(256)])


def _profile_sharpness(profile: bytes) -> int:
    """Sum of the squared differences between neighbouring rows of a profile (Postl's
    criterion): large when ink and paper alternate sharply, as rows of level text do."""
    steps = np.diff(np.frombuffer(profile, dtype=np.uint8).astype(np.int64))
    return int(steps.dot(steps))


def _score(
    ink: Image.Image, degrees: float, axes: tuple[bool, bool] = (True, True)
) -> tuple[float, float]:
    """Sharpness of the row and the column profiles of `ink` turned `degrees` clockwise (the
    mean ink of each row, or column, in 0-255). Rows for a page fed upright or upside down,
    columns for one fed sideways."""
    turned = ink.rotate(-degrees, resample=Image.Resampling.NEAREST, expand=True, fillcolor=0)
    rows = cols = 0.0
    if axes[0]:
        rows = _profile_sharpness(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
    if axes[1]:
        cols = _profile_sharpness(turned.resize((turned.width, 1), Image.Resampling.BOX).tobytes())
    return rows, cols


def _coarse(ink: Image.Image, axis: int) -> tuple[float, float]:
    """The whole degree whose profile along `axis` (0 rows, 1 columns) is sharpest, and how
    far it stands above the median angle's (0 = no lines)."""
    axes = (axis == 0, axis == 1)
    scores = {
        float(a): _score(ink, a, axes)[axis] for a in range(-int(MAX_DEGREES), int(MAX_DEGREES) + 1)
    }
    best = max(scores, key=scores.__getitem__)
    typical = statistics.median(scores.values())
    return best, (scores[best] / typical - 1 if typical > 0 else 0.0)


def measure(path: Path | Image.Image) -> Measure | None:
    """The skew of the text lines of the page image (degrees counter-clockwise,
    within ±15), or None when the page shows no lines of text to measure."""
    try:
        grey = _load_small(path)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    ink = _ink(grey)
    if ink is None:
        return None
    # Every whole degree on an eighth-size copy, then quarter degrees around the best on the
    # quarter-size copy, and the top of the parabola through the best three. The rows are
    # measured first; the columns (a page fed sideways) only when the rows show no lines.
    coarse_ink = ink.reduce(2)
    axis = 0
    best, peak = _coarse(coarse_ink, axis)
    if peak < MIN_PEAK:
        best_cols, peak_cols = _coarse(coarse_ink, 1)
        if peak_cols > peak:
            axis, best, peak = 1, best_cols, peak_cols
    axes = (axis == 0, axis == 1)
    fine = {best + step / 4: _score(ink, best + step / 4, axes)[axis] for step in range(-4, 5)}
    top = max(fine, key=fine.__getitem__)
    left, mid, right = fine.get(top - 0.25), fine[top], fine.get(top + 0.25)
    degrees = top
    if left is not None and right is not None:
        bend = left - 2 * mid + right
        if bend < 0:
            degrees = top + 0.25 * 0.5 * (left - right) / bend
    if abs(degrees) >= MAX_DEGREES:
        return Measure(degrees, 0.0)  # at the end of the range: not a skew to trust
    return Measure(round(degrees, 2), round(peak, 2))


# --- 3. the straightened copy and the way back --------------------------------------------
@dataclass
class Straightened:
    image: Image.Image
    degrees: float  # the skew removed (counter-clockwise degrees of the original's lines)
    size: tuple[int, int]  # the copy's pixels
    original_size: tuple[int, int]
    # Affine map from the copy's pixel coordinates to the original's: x = a*x' + b*y' + c,
    # y = d*x' + e*y' + f (Pillow's own convention for Image.transform).
    matrix: tuple[float, float, float, float, float, float]

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.matrix
        return a * x + b * y + c, d * x + e * y + f


def straighten(page_image: Path | Image.Image, degrees: float) -> Straightened:
    """A copy of the page image turned `degrees` clockwise (so its lines lie level), on white,
    in memory for the engine: the page's size for a few degrees, else grown to keep every
    corner of the original."""
    if isinstance(page_image, Image.Image):
        source = page_image if page_image.mode in ("L", "RGB") else page_image.convert("L")
    else:
        with Image.open(page_image) as image:
            source = image.convert("L") if image.mode not in ("L", "RGB") else image.copy()
    width, height = source.size
    # Pillow's rotate(), written out so the map back is exactly the map used.
    radians = math.radians(degrees)  # turning the copy clockwise by `degrees`
    cos, sin = math.cos(radians), math.sin(radians)
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    cx, cy = width / 2, height / 2
    # Output pixel (x', y') -> input (x, y): the inverse of turning about the centre.
    xs = [cx + (x - cx) * cos - (y - cy) * sin for x, y in corners]
    ys = [cy + (x - cx) * sin + (y - cy) * cos for x, y in corners]
    new_w, new_h = math.ceil(max(xs) - min(xs)), math.ceil(max(ys) - min(ys))
    if math.sin(abs(radians)) * max(width, height) / 2 <= MARGIN_KEPT * min(width, height):
        # A few degrees: the copy keeps the page's size. What turns out of it is a strip along
        # the edges narrower than a page's margin, and Tesseract reads 5-10 % faster than on
        # the copy grown to hold every corner.
        new_w, new_h = width, height
    ox, oy = (new_w - width) / 2, (new_h - height) / 2
    # x = cx + cos*(x' - ox - cx) + sin*(y' - oy - cy); y = cy - sin*(x' - ox - cx) + cos*(y' - oy -
    # cy)
    matrix = (
        cos,
        sin,
        cx - cos * (ox + cx) - sin * (oy + cy),
        -sin,
        cos,
        cy + sin * (ox + cx) - cos * (oy + cy),
    )
    white = 255 if source.mode == "L" else (255, 255, 255)
    copy = source.transform(
        (new_w, new_h),
        Image.Transform.AFFINE,
        matrix,
        # Nearest: 9 ms of CPU for a 300-dpi A4 page against 73 ms bilinear and 200 ms
        # bicubic; Tesseract binarises the copy first and reads it alike (benchmark pages:
        # CER 0.09 % against 0.03 % bilinear and 0.16 % for raw Tesseract on the upright page).
        resample=Image.Resampling.NEAREST,
        fillcolor=white,
    )
    return Straightened(copy, degrees, (new_w, new_h), (width, height), matrix)


def map_words(words: list[Word], st: Straightened) -> list[Word]:
    """Word boxes read on the straightened copy, as boxes of the original image: the upright
    box around the word's box turned back (fractions of the original)."""
    cw, ch = st.size
    ow, oh = st.original_size
    out = []
    for word in words:
        x0, y0, x1, y1 = word.x0 * cw, word.y0 * ch, word.x1 * cw, word.y1 * ch
        points = [st.to_original(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        out.append(
            Word(
                word.text,
                max(0.0, min(p[0] for p in points) / ow),
                max(0.0, min(p[1] for p in points) / oh),
                min(1.0, max(p[0] for p in points) / ow),
                min(1.0, max(p[1] for p in points) / oh),
                word.conf,
            )
        )
    return out


def _score_read(page: PageText) -> float:
    """How much a pass read: characters of its words weighted by their confidence."""
    return sum(len(w.text) * max(w.conf, 0.0) for w in page.words) / 100


def _read_straightened(
    image: Path | Image.Image, skew: float, *, number: int, dpi: int, engine: OcrEngine
) -> PageText:
    """The page read from a copy turned level, its words and text layer on the original."""
    st = straighten(image, skew)
    again = engine.recognize(st.image, number=number, dpi=dpi, text_only_pdf=True)
    result = replace(
        again,
        words=map_words(again.words, st),
        pdf=None,
        width_px=st.original_size[0],
        height_px=st.original_size[1],
        skew=round(skew, 2),
        deskewed=True,
    )
    # The text layer on the original page, each word level on the upright box around it as
    # it stands turned on the scan: a PDF reader keeps a word whole (poppler splits text set
    # at a slant every two or three characters), its centre on the word.
    result.pdf = pdfpage.text_layer(result, dpi)
    return result


def read_page(image: Image.Image, *, number: int, dpi: int, engine: OcrEngine) -> PageText:
    """Read a page once, straight: the skew of its lines is measured on the image first
    (`measure`, about 13 ms of CPU on a 300-dpi A4 page, under 1 % of reading it), and a page
    skewed by the threshold or more is read from a straightened copy, never twice. A page
    whose image shows no clear lines (blank, sparse, a photograph) is read as it is, and the
    first pass decides (`reread_if_skewed`)."""
    limit = threshold_degrees()
    found = measure(image) if limit else None
    if found is not None and found.peak >= MIN_PEAK and abs(found.degrees) >= limit:
        try:
            return _read_straightened(image, found.degrees, number=number, dpi=dpi, engine=engine)
        except (OSError, ValueError, pikepdf.PdfError):
            pass  # read it as it is
    page = engine.recognize(image, number=number, dpi=dpi, text_only_pdf=True)
    if found is not None and found.peak >= MIN_PEAK:
        return page if abs(found.degrees) >= limit else replace(page, skew=found.degrees)
    return reread_if_skewed(page, image, dpi=dpi, from_pdf=True, engine=engine)


def reread_if_skewed(
    page: PageText,
    image: Path | Image.Image,
    *,
    dpi: int,
    from_pdf: bool,
    engine: OcrEngine,
    workdir: Path | None = None,
) -> PageText:
    """The deskew step after the first pass of a page (`services.ocr_one`): the page as read,
    or its read from a straightened copy mapped back onto the original when it was skewed.
    The text layer of the result is always the text alone (`from_pdf` is kept for callers
    that lay it over an image file's page themselves: `services.ocr_one`)."""
    limit = threshold_degrees()
    if not limit or not page.ok or not needs_measure(page, limit):
        return page
    found = measure(image)
    if found is not None and found.peak >= MIN_PEAK:
        skew = found.degrees
    elif page.skew_lines >= FEW_LINES:
        skew = page.skew  # no clear profile (little text): the lines Tesseract found
    else:
        return page
    measured = replace(page, skew=round(skew, 2))
    if abs(skew) < limit:
        return measured
    try:
        again = _read_straightened(image, skew, number=page.number, dpi=dpi, engine=engine)
    except (OSError, ValueError, pikepdf.PdfError, OcrError):
        return measured
    if _score_read(again) < _score_read(page):
        return measured  # the straightened copy read worse: keep the first pass
    return replace(again, skew_lines=page.skew_lines)
