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
   engine reads that copy; `map_words` and `map_layer` carry its word boxes and its text layer
   back onto the original scan (`image_page` puts the original image under the layer of an image
   file), so the searchable PDF and the viewer show the page as scanned and a highlight lands on
   the word as it stands, turned, on the stored image.

An upright page (the common case) is read in one pass, as before.
"""

from __future__ import annotations

import io
import math
import statistics
import zlib
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

import pikepdf
from django.conf import settings
from PIL import Image

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


def _load_small(path: Path) -> Image.Image:
    """A grey copy of the page about 620 pixels wide (JPEG: decoded at that scale)."""
    with Image.open(path) as image:
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
    return sum((b - a) * (b - a) for a, b in pairwise(profile))


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


def measure(path: Path) -> Measure | None:
    """The skew of the text lines of the page image at `path` (degrees counter-clockwise,
    within ±15), or None when the page shows no lines of text to measure."""
    try:
        grey = _load_small(path)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    ink = _ink(grey)
    if ink is None:
        return None
    # Every whole degree on an eighth-size copy, then quarter degrees around the best on the
    # quarter-size copy, and the top of the parabola through the best three.
    coarse_ink = ink.reduce(2)
    coarse = {
        float(a): _score(coarse_ink, a) for a in range(-int(MAX_DEGREES), int(MAX_DEGREES) + 1)
    }
    axis = 0 if max(v[0] for v in coarse.values()) >= max(v[1] for v in coarse.values()) else 1
    best = max(coarse, key=lambda a: coarse[a][axis])
    typical = statistics.median(v[axis] for v in coarse.values())
    peak = coarse[best][axis] / typical - 1 if typical > 0 else 0.0
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
    path: Path
    degrees: float  # the skew removed (counter-clockwise degrees of the original's lines)
    size: tuple[int, int]  # the copy's pixels
    original_size: tuple[int, int]
    # Affine map from the copy's pixel coordinates to the original's: x = a*x' + b*y' + c,
    # y = d*x' + e*y' + f (Pillow's own convention for Image.transform).
    matrix: tuple[float, float, float, float, float, float]

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.matrix
        return a * x + b * y + c, d * x + e * y + f


def straighten(path: Path, degrees: float, workdir: Path) -> Straightened:
    """A copy of the page image turned `degrees` clockwise (so its lines lie level), grown to
    keep every corner of the original, on white; written as uncompressed PGM/PPM for the engine."""
    with Image.open(path) as image:
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
        resample=Image.Resampling.BICUBIC,
        fillcolor=white,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / ("straight.pgm" if copy.mode == "L" else "straight.ppm")
    copy.save(out)
    return Straightened(out, degrees, (new_w, new_h), (width, height), matrix)


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


def map_layer(layer: bytes, st: Straightened, dpi: int) -> bytes:
    """Tesseract's invisible text layer of the straightened copy, laid on a page the size of the
    original image (at `dpi`), its text turned back onto the original's words."""
    ow, oh = st.original_size
    with pikepdf.open(io.BytesIO(layer)) as pdf:
        page = pdf.pages[0]
        box = [float(v) for v in page.mediabox]
        copy_w_pt, copy_h_pt = box[2] - box[0], box[3] - box[1]
        cw, ch = st.size
        page_w_pt, page_h_pt = ow * 72 / dpi, oh * 72 / dpi

        def to_page(u: float, v: float) -> tuple[float, float]:
            # copy's PDF point -> copy's pixel -> original's pixel -> original's PDF point
            x, y = st.to_original((u - box[0]) * cw / copy_w_pt, (box[3] - v) * ch / copy_h_pt)
            return x * page_w_pt / ow, page_h_pt - y * page_h_pt / oh

        e, f = to_page(0, 0)
        ax, bx = to_page(1, 0)
        cx, dx = to_page(0, 1)
        cm = [ax - e, bx - f, cx - e, dx - f, e, f]
        page.contents_add(
            pdf.make_stream(f"q {' '.join(f'{v:.6f}' for v in cm)} cm\n".encode()), prepend=True
        )
        page.contents_add(pdf.make_stream(b"\nQ\n"))
        page.obj.MediaBox = pikepdf.Array([0, 0, round(page_w_pt, 4), round(page_h_pt, 4)])
        for key in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
            if key in page.obj:
                del page.obj[key]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def image_page(image_path: Path, dpi: int, layer: bytes) -> bytes:
    """One PDF page showing the page image as it is (a JPEG file's own bytes; other images
    losslessly, Flate) with the text layer over it: what Tesseract's PDF renderer makes of an
    image, but with the original image rather than the straightened copy it read."""
    pdf = pikepdf.new()
    with Image.open(image_path) as image:
        width, height = image.size
        jpeg = image.format == "JPEG" and image.mode in ("L", "RGB")
        if jpeg:
            data, mode, bits, filter_ = (
                image_path.read_bytes(),
                image.mode,
                8,
                pikepdf.Name.DCTDecode,
            )
        else:
            pixels = (
                image
                if image.mode in ("1", "L", "RGB")
                else image.convert("L" if image.mode in ("LA", "I", "I;16", "F") else "RGB")
            )
            mode, bits = pixels.mode, 1 if pixels.mode == "1" else 8
            data, filter_ = zlib.compress(pixels.tobytes(), 6), pikepdf.Name.FlateDecode
    xobject = pdf.make_stream(
        data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        BitsPerComponent=bits,
        Filter=filter_,
        ColorSpace=pikepdf.Name.DeviceRGB if mode == "RGB" else pikepdf.Name.DeviceGray,
    )
    w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
    content = pdf.make_stream(f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q\n".encode())
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=pikepdf.Array([0, 0, w_pt, h_pt]),
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
            Contents=content,
        )
    )
    pdf.pages.append(page)
    with pikepdf.open(io.BytesIO(layer)) as text:
        pdf.pages[0].add_overlay(text.pages[0], pikepdf.Rectangle(0, 0, w_pt, h_pt))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _score_read(page: PageText) -> float:
    """How much a pass read: characters of its words weighted by their confidence."""
    return sum(len(w.text) * max(w.conf, 0.0) for w in page.words) / 100


def reread_if_skewed(
    page: PageText, image: Path, *, dpi: int, from_pdf: bool, engine: OcrEngine, workdir: Path
) -> PageText:
    """The deskew step after the first pass of a page (`services.ocr_one`): the page as read,
    or its read from a straightened copy mapped back onto the original when it was skewed."""
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
        st = straighten(image, skew, workdir / "deskew")
        again = engine.recognize(st.path, number=page.number, dpi=dpi, text_only_pdf=True)
        if _score_read(again) < _score_read(page):
            return measured  # the straightened copy read worse: keep the first pass
        layer = map_layer(again.pdf, st, dpi) if again.pdf else None
        if layer is not None and not from_pdf:
            layer = image_page(image, dpi, layer)
    except (OSError, ValueError, pikepdf.PdfError, OcrError):
        return measured
    return replace(
        again,
        words=map_words(again.words, st),
        pdf=layer,
        width_px=st.original_size[0],
        height_px=st.original_size[1],
        skew=round(skew, 2),
        deskewed=True,
        skew_lines=page.skew_lines,
    )
