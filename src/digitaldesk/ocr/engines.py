"""OCR engines behind one Protocol (docs/ocr.md).

The desk ships one engine, Tesseract 5 with the `vie` model, in the process through its
C API (`ocr.tessapi`: the model loaded once per worker process, the page handed over as
decoded greyscale pixels; the `tesseract` command when the library is missing). One pass
gives the text and the word boxes (TSV); the PDF page of the searchable copy is written
from those boxes (`ocr.pdfpage`), so it costs no second pass and no PDF renderer.

Every page is read first in Tesseract's default mode (`--psm 3`, the mode of a
plain `tesseract PAGE out`). Orientation detection (`--psm 1`) on every page
cost about a fifth more CPU (docs/ocr.md), so it is spent only where the first
pass betrays a turned page: Tesseract reads a page turned a quarter clockwise in
the default mode too (it finds the vertical lines), but a page upside down or
turned a quarter counter-clockwise comes out as garbage of low confidence
(mean word confidence about 40, against 90+ for an upright scan). Such a page is
read again with `--psm 1`, whose boxes stay in the coordinates of the image as
scanned, and the better-read of the two passes is kept.
"""

from __future__ import annotations

import csv
import io
import math
import os
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from PIL import Image


class OcrError(Exception):
    """A page could not be read; the message is Vietnamese, for the user."""


@dataclass
class Word:
    text: str
    # Box as fractions (0..1) of the page image, so any rendering size can use it.
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float

    def as_list(self) -> list[object]:
        return [
            self.text,
            round(self.x0, 5),
            round(self.y0, 5),
            round(self.x1, 5),
            round(self.y1, 5),
            round(self.conf, 1),
        ]


@dataclass
class PageText:
    number: int  # 1-based page number within the file
    text: str = ""
    words: list[Word] = field(default_factory=list)
    confidence: float = 0.0  # mean word confidence, 0..100
    rotation: int = 0  # clockwise degrees the scan must turn to be upright (0/90/180/270)
    pdf: bytes | None = None  # one PDF page: image + text, or the text layer alone
    error: str = ""  # Vietnamese message when the page could not be read
    width_px: int = 0
    height_px: int = 0
    # Skew of the text lines, degrees counter-clockwise (a page turned a little to the left is
    # positive), as measured (`ocr.deskew`); `deskewed`: read from a straightened copy, the words
    # and text layer mapped back onto the scan as it is. `skew_lines`: text lines the first
    # pass's estimate rests on (0: it had none).
    skew: float = 0.0
    deskewed: bool = False
    skew_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


class OcrEngine(Protocol):
    name: str

    def recognize(
        self, image: Path | Image.Image, *, number: int, dpi: int, text_only_pdf: bool
    ) -> PageText:
        """Read one page image (an image file, or a decoded image). `text_only_pdf`: return only
        the invisible text layer (to lay over an original PDF page) instead of image + text."""
        ...


def _tesseract_env() -> dict[str, str]:
    env = dict(os.environ)
    # One page = one core: parallelism comes from running pages side by side,
    # which measured faster than Tesseract's own OpenMP threads on 2 cores.
    env["OMP_THREAD_LIMIT"] = "1"
    return env


# A first pass whose words are read with a mean confidence below this is taken for a
# page scanned turned (upside down: about 40 on clean text) and read again with
# orientation detection. Upright scans, even noisy ones, read at 90 or more.
TURNED_PAGE_CONFIDENCE = 65.0
TURNED_PAGE_MIN_WORDS = 3


def looks_turned(page: PageText) -> bool:
    """The first pass read enough words, badly: the page may be upside down or sideways."""
    return len(page.words) >= TURNED_PAGE_MIN_WORDS and page.confidence < TURNED_PAGE_CONFIDENCE


class TesseractEngine:
    name = "tesseract"

    def __init__(
        self, languages: str | None = None, command: str | None = None, timeout: int = 300
    ):
        self.languages = languages or getattr(settings, "OCR_LANGUAGES", "vie")
        self.command = command or getattr(settings, "TESSERACT_CMD", "tesseract")
        self.timeout = timeout

    def recognize(
        self, image: Path | Image.Image, *, number: int, dpi: int, text_only_pdf: bool
    ) -> PageText:
        page = self.read(image, number=number, dpi=dpi, text_only_pdf=text_only_pdf, psm=3)
        if looks_turned(page):
            again = self.read(image, number=number, dpi=dpi, text_only_pdf=text_only_pdf, psm=1)
            if again.confidence >= page.confidence:
                return again
        return page

    def read(
        self,
        image: Path | Image.Image,
        *,
        number: int,
        dpi: int,
        text_only_pdf: bool,
        psm: int,
    ) -> PageText:
        """One Tesseract pass (`--psm 3`: layout only; `--psm 1`: with orientation detection)
        over a page image (a decoded image, or an image file), its text and word boxes; the
        PDF page (the invisible text layer, or the image file's own image under it) is
        written from the boxes (`ocr.pdfpage`)."""
        from digitaldesk.ocr import pdfpage, tessapi

        if tessapi.available():
            text, tsv = self._read_in_process(image, number=number, dpi=dpi, psm=psm)
        else:
            text, tsv = self._read_command(image, number=number, dpi=dpi, psm=psm)
        words, width, height = parse_tsv(tsv)
        confs = [w.conf for w in words if w.conf >= 0]
        rotation = guess_rotation(words, width, height)
        skew, lines = skew_from_tsv(tsv, rotation)
        page = PageText(
            number=number,
            text=text.replace("\f", "").strip(),
            words=words,
            confidence=sum(confs) / len(confs) if confs else 0.0,
            rotation=rotation,
            width_px=width,
            height_px=height,
            skew=round(skew, 2) if skew is not None else 0.0,
            skew_lines=lines,
        )
        if width and height:
            if text_only_pdf or not isinstance(image, Path):
                page.pdf = pdfpage.text_layer(page, dpi)
            else:
                page.pdf = pdfpage.image_page(image, 1, dpi, None, page)
        return page

    def _read_in_process(
        self, image: Path | Image.Image, *, number: int, dpi: int, psm: int
    ) -> tuple[str, str]:
        from digitaldesk.ocr import tessapi

        try:
            if isinstance(image, Path):
                with Image.open(image) as opened:
                    if opened.format == "JPEG" and opened.mode in ("RGB", "YCbCr"):
                        opened.draft("L", opened.size)
                    pixels = opened.convert("L")
            else:
                pixels = image if image.mode in ("L", "RGB") else image.convert("L")
            result = tessapi.read(
                pixels, languages=str(self.languages), dpi=dpi, psm=psm, timeout=self.timeout
            )
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise OcrError(f"Trang {number}: không đọc được ảnh.") from exc
        except tessapi.TessError as exc:
            raise OcrError(
                f"Trang {number}: không nhận dạng được (quá thời gian {self.timeout} giây "
                "hoặc lỗi của Tesseract)."
            ) from exc
        return result.text, result.tsv

    def _read_command(
        self, image: Path | Image.Image, *, number: int, dpi: int, psm: int
    ) -> tuple[str, str]:
        """The `tesseract` command, when the library cannot be loaded."""
        with tempfile.TemporaryDirectory(prefix="desk-ocr-") as tmp:
            base = Path(tmp) / "page"
            if not isinstance(image, Path):
                source = Path(tmp) / "page.pgm"
                (image if image.mode in ("L", "RGB") else image.convert("L")).save(source)
                image = source
            cmd = [
                str(self.command),
                str(image),
                str(base),
                "-l",
                str(self.languages),
                "--dpi",
                str(dpi),
                "--psm",
                str(psm),
                "txt",
                "tsv",
            ]
            try:
                proc = subprocess.run(  # noqa: S603  (Tesseract: settings and our paths)
                    cmd,
                    capture_output=True,
                    timeout=self.timeout,
                    env=_tesseract_env(),
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise OcrError(
                    f"Trang {number}: nhận dạng quá thời gian cho phép ({self.timeout} giây)."
                ) from exc
            except FileNotFoundError as exc:
                raise OcrError(
                    "Không tìm thấy chương trình Tesseract (gói tesseract-ocr)."
                ) from exc
            if proc.returncode != 0 or not (base.with_suffix(".txt")).exists():
                detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise OcrError(f"Trang {number}: không đọc được ảnh ({detail[0][:200]}).")
            text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
            tsv = base.with_suffix(".tsv").read_text(encoding="utf-8", errors="replace")
        return text, tsv


def parse_tsv(tsv: str) -> tuple[list[Word], int, int]:
    """Words with boxes from Tesseract's TSV output (level 5 rows)."""
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    width = height = 0
    words: list[Word] = []
    for row in reader:
        if len(row) < 12 or row[0] == "level":
            continue
        level = row[0]
        left, top, w, h = (int(v) for v in row[6:10])
        if level == "1":
            width, height = w, h
            continue
        if level != "5" or not row[11].strip() or not width or not height:
            continue
        words.append(
            Word(
                row[11],
                left / width,
                top / height,
                (left + w) / width,
                (top + h) / height,
                float(row[10]),
            )
        )
    return words, width, height


def skew_from_tsv(tsv: str, rotation: int = 0) -> tuple[float | None, int]:
    """(skew in degrees counter-clockwise, number of lines it rests on) from Tesseract's TSV:
    the median slope of the text lines through the centres of their words' boxes (lines of 3
    words or more; Tesseract keeps the boxes in the coordinates of the image as fed). Lines of
    a page fed sideways (`rotation` 90 or 270) run down the image. (None, 0) when no line is
    long enough to tell."""
    lines: dict[tuple[str, ...], list[tuple[float, float]]] = {}
    for row in csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        try:
            left, top, width, height = (int(v) for v in row[6:10])
        except ValueError:
            continue
        lines.setdefault(tuple(row[1:5]), []).append((left + width / 2, top + height / 2))
    sideways = rotation in (90, 270)
    slopes = []
    for points in lines.values():
        if len(points) < 3:
            continue
        along = [p[1] if sideways else p[0] for p in points]
        across = [p[0] if sideways else p[1] for p in points]
        mean_along, mean_across = statistics.fmean(along), statistics.fmean(across)
        spread = sum((a - mean_along) ** 2 for a in along)
        if spread <= 0:
            continue
        slopes.append(
            sum((a - mean_along) * (c - mean_across) for a, c in zip(along, across, strict=True))
            / spread
        )
    if not slopes:
        return None, 0
    slope = statistics.median(slopes)
    # Turned counter-clockwise, a line rises to the right (y falls as x grows), and a line
    # running down the image drifts to the right.
    return (math.degrees(math.atan(slope)) if sideways else -math.degrees(math.atan(slope))), len(
        slopes
    )


def guess_rotation(words: list[Word], width: int = 0, height: int = 0) -> int:
    """Clockwise degrees the scan must turn to be upright (0, 90, 180, 270), from the
    reading order of the words Tesseract found (both passes keep the boxes in the
    coordinates of the image as scanned; `--psm 1` reads pages turned any way, the
    default mode those turned a quarter clockwise).

    Upright text runs left to right; a page scanned upside down has its words in
    reading order from right to left and bottom to top. A sideways page has word
    boxes taller than wide (compared in pixels, `width` x `height` of the image):
    words running down the image mean the page was turned a quarter clockwise and
    must turn 270 degrees; words running up, a quarter counter-clockwise: 90.
    """
    sample = [w for w in words if len(w.text) >= 3][:200]
    if len(sample) < 4:
        return 0
    sx, sy = (width or 1), (height or 1)
    tall = sum(1 for w in sample if (w.y1 - w.y0) * sy > (w.x1 - w.x0) * sx)
    pairs = list(zip(sample, sample[1:], strict=False))
    if tall > len(sample) * 0.6:
        same_column = [
            (a, b) for a, b in pairs if abs(b.x0 - a.x0) * sx < 0.02 * max(sx, sy)
        ] or pairs
        down = sum(1 for a, b in same_column if b.y0 > a.y0)
        return 270 if down >= len(same_column) / 2 else 90
    leftward = sum(1 for a, b in pairs if b.x0 < a.x0 and abs(b.y0 - a.y0) < 0.01)
    rightward = sum(1 for a, b in pairs if b.x0 > a.x0 and abs(b.y0 - a.y0) < 0.01)
    return 180 if leftward > rightward * 2 else 0


def default_engine() -> OcrEngine:
    return TesseractEngine()
