"""Skewed scans (docs/ocr.md, "Skewed scans"), with the real Tesseract `vie`: a page turned a few
degrees is read from a straightened copy, and what it gives back (word boxes, the text layer of
the searchable PDF/A) lies on the words of the ORIGINAL image, which is kept as it is. An upright
page is read in one pass, as before. CER and highlight figures by angle: benchmarks/ocr_skew.py."""

from __future__ import annotations

import io
import re
import subprocess
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image, ImageStat

from digitaldesk.ocr.engines import TesseractEngine
from digitaldesk.ocr.samples import SamplePage, cer, legal_paragraphs, render_page, save_pdf
from digitaldesk.ocr.services import extract_pages, searchable_pdf


class CountingEngine(TesseractEngine):
    """The desk's engine, counting its Tesseract passes (instrumentation, nothing replaced)."""

    def __init__(self) -> None:
        super().__init__()
        self.passes = 0
        self._lock = threading.Lock()

    def read(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.passes += 1
        return super().read(*args, **kwargs)


def _texts(first: int, count: int = 3) -> str:
    return "\n".join(list(legal_paragraphs(limit=first + count))[first:])


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union else 0.0


def _drawn(sheet: SamplePage, word: str) -> list[tuple[float, ...]]:
    return [tuple(box) for text, *box in sheet.words if _norm(text) == _norm(word)]


def _assert_highlights_land(
    sheet: SamplePage, words: list[Any], stored: Image.Image, word: str
) -> None:
    """Every place `word` was drawn has a box of that word read over it (IoU >= 0.5), and every
    such box on the stored image holds ink, darker than the page around it."""
    places = _drawn(sheet, word)
    assert len(places) >= 2, word
    boxes = [(w.x0, w.y0, w.x1, w.y1) for w in words if _norm(w.text) == _norm(word)]
    for place in places:
        assert max((_iou(place, box) for box in boxes), default=0) >= 0.5, (word, place, boxes)
    grey = stored.convert("L")
    paper = ImageStat.Stat(grey).median[0]
    for x0, y0, x1, y1 in boxes:
        inside = grey.crop(
            (
                round(x0 * grey.width),
                round(y0 * grey.height),
                round(x1 * grey.width),
                round(y1 * grey.height),
            )
        )
        assert ImageStat.Stat(inside).mean[0] < paper - 25, (word, (x0, y0, x1, y1))


def _layer_words(pdf: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """Words of the searchable copy's text layer with their boxes (fractions of the page), as
    a PDF reader finds them (poppler's pdftotext -bbox)."""
    html = subprocess.run(  # noqa: S603  (fixed argv)
        [  # noqa: S607  (a Debian tool on PATH)
            "pdftotext",
            "-bbox",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    width, height = (
        float(v) for v in re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html).groups()
    )
    return [
        (text, float(x0) / width, float(y0) / height, float(x1) / width, float(y1) / height)
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>',
            html,
        )
    ]


def _assert_layer_lands(
    sheet: SamplePage, layer: list[tuple[str, float, float, float, float]]
) -> None:
    """The searchable copy's invisible text lies on the words of the image: the centre of each
    word of the layer is within 1 % of the page of where that word was drawn."""
    matched = 0
    for text, *box in layer:
        places = _drawn(sheet, text)
        if len(text) < 4 or not places:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        nearest = min(abs(cx - (p[0] + p[2]) / 2) + abs(cy - (p[1] + p[3]) / 2) for p in places)
        assert nearest < 0.01, (text, box, places)
        matched += 1
    assert matched >= 50


@pytest.fixture(scope="module")
def skewed_sheets() -> list[SamplePage]:
    """Two full 300-dpi A4 pages, turned 5 degrees counter-clockwise and 4 degrees clockwise."""
    return [
        render_page(_texts(0), seed=51, skew_degrees=5.0),
        render_page(_texts(3), seed=52, skew_degrees=-4.0),
    ]


@pytest.fixture(scope="module")
def skewed_scan(
    tmp_path_factory: pytest.TempPathFactory, skewed_sheets: list[SamplePage]
) -> dict[str, Any]:
    path = save_pdf([s.image for s in skewed_sheets], tmp_path_factory.mktemp("skew") / "lech.pdf")
    original = path.read_bytes()
    engine = CountingEngine()
    pages = extract_pages(path, engine=engine)
    out = searchable_pdf(path, pages, path.with_name("lech.ocr.pdf"))
    return {"path": path, "original": original, "pages": pages, "out": out, "passes": engine.passes}


def test_skewed_pages_read_from_a_straightened_copy(skewed_scan, skewed_sheets):
    for page, sheet, angle in zip(skewed_scan["pages"], skewed_sheets, (5.0, -4.0), strict=True):
        assert page.ok and page.deskewed
        assert abs(page.skew - angle) < 0.3, page.skew
        assert cer(sheet.text, page.text) <= 0.01, cer(sheet.text, page.text)
        assert page.rotation == 0
    # Measured on the image before reading: each page read once, from its straightened copy.
    assert skewed_scan["passes"] == 2


def test_highlights_land_on_the_words_of_the_stored_scan(skewed_scan, skewed_sheets):
    with pikepdf.open(skewed_scan["path"]) as pdf:
        stored = [
            pikepdf.PdfImage(next(iter(p.get_images().values()))).as_pil_image() for p in pdf.pages
        ]
    for page, sheet, image, word in zip(
        skewed_scan["pages"], skewed_sheets, stored, ("quyền", "người"), strict=True
    ):
        assert (
            page.width_px,
            page.height_px,
        ) == image.size  # boxes are fractions of the scan as stored
        _assert_highlights_land(sheet, page.words, image, word)


def test_searchable_copy_shows_the_original_scan_with_its_text_on_the_words(
    skewed_scan, skewed_sheets
):
    assert skewed_scan["path"].read_bytes() == skewed_scan["original"]  # the scan is not rewritten
    with pikepdf.open(skewed_scan["path"]) as original, pikepdf.open(skewed_scan["out"]) as copy:
        assert copy.open_metadata().pdfa_status == "2B"
        for before, after in zip(original.pages, copy.pages, strict=True):
            scan = next(iter(before.get_images().values()))
            shown = [x for x in after.get_images().values() if x.get("/Subtype") == "/Image"]
            assert [x.read_raw_bytes() for x in shown] == [
                scan.read_raw_bytes()
            ]  # the scan's own JPEG
            assert "/Rotate" not in after.obj
    for number, sheet in enumerate(skewed_sheets, start=1):
        _assert_layer_lands(sheet, _layer_words(skewed_scan["out"], number))


def test_an_upright_page_is_read_in_one_pass(tmp_path):
    """The common case costs what it cost: one Tesseract pass, nothing straightened; its skew (a
    hand-fed scan's degree or so) is recorded from the lines of that pass."""
    sheets = [
        render_page(_texts(6), seed=61, skew_degrees=0.0),
        render_page(_texts(9), seed=62, skew_degrees=1.1),
    ]
    path = save_pdf([s.image for s in sheets], tmp_path / "thang.pdf")
    engine = CountingEngine()
    pages = extract_pages(path, engine=engine)
    assert engine.passes == 2
    for page, sheet, angle in zip(pages, sheets, (0.0, 1.1), strict=True):
        assert not page.deskewed
        assert abs(page.skew - angle) < 0.3, page.skew
        assert cer(sheet.text, page.text) <= 0.01


@pytest.mark.parametrize(
    ("suffix", "mode", "turn"), [(".jpg", "L", 0), (".png", "L", 90), (".tif", "1", 180)]
)
def test_skewed_image_files_keep_their_image_in_the_searchable_copy(tmp_path, suffix, mode, turn):
    """A JPEG, a PNG fed sideways and a bilevel TIFF fed upside down, each also turned 5 degrees
    clockwise: read straight, boxes on the words, and the page of the searchable copy shows the
    original image (a JPEG's own bytes) with the text layer on its words."""
    sheet = render_page(_texts(12), seed=70 + turn, max_lines=16, skew_degrees=-5.0)
    image = sheet.image.convert("1", dither=Image.Dither.NONE) if mode == "1" else sheet.image
    image = image.rotate(turn, expand=True)  # fed turned counter-clockwise
    path = tmp_path / f"anh{suffix}"
    image.save(path, dpi=(300, 300), **({"quality": 90} if suffix == ".jpg" else {}))
    [page] = extract_pages(path)
    assert page.deskewed and abs(page.skew + 5.0) < 0.3, page.skew
    assert page.rotation == turn  # turned counter-clockwise: to turn as much clockwise
    assert cer(sheet.text, page.text) <= 0.01
    from digitaldesk.casefiles.processing import upright_box, upright_image

    upright = [
        type(w)(w.text, *upright_box([w.x0, w.y0, w.x1, w.y1], page.rotation), w.conf)
        for w in page.words
    ]
    _assert_highlights_land(sheet, upright, upright_image(Image.open(path), page.rotation), "không")
    out = searchable_pdf(path, [page], tmp_path / "anh.ocr.pdf")
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        [shown] = [x for x in pdf.pages[0].get_images().values() if x.get("/Subtype") == "/Image"]
        if suffix == ".jpg":
            assert shown.read_raw_bytes() == path.read_bytes()
        else:
            assert (
                pikepdf.PdfImage(shown).as_pil_image().convert("L").tobytes()
                == Image.open(path).convert("L").tobytes()
            )
        assert int(pdf.pages[0].obj.get("/Rotate", 0)) == page.rotation
    if turn == 0:
        _assert_layer_lands(sheet, _layer_words(out))
    Image.open(io.BytesIO(path.read_bytes())).verify()  # the file itself is untouched
