"""The OCR pipeline with the real Tesseract `vie`, pdftoppm, qpdf/pikepdf and Ghostscript."""

from __future__ import annotations

import subprocess

import pikepdf
import pytest

from digitaldesk.ocr import pipeline
from digitaldesk.ocr.engines import OcrError
from digitaldesk.ocr.samples import cer, legal_paragraphs, render_page
from digitaldesk.ocr.services import extract_pages, searchable_pdf


def test_scanned_pdf_gives_text_boxes_and_a_searchable_pdfa(scanned_pdf, short_pages, tmp_path):
    pages = extract_pages(scanned_pdf)
    assert [p.number for p in pages] == [1, 2]
    for page, truth in zip(pages, short_pages, strict=True):
        assert page.ok
        assert cer(truth.text, page.text) < 0.02
        assert page.words and all(
            0 <= w.x0 < w.x1 <= 1 and 0 <= w.y0 < w.y1 <= 1 for w in page.words
        )
        assert page.rotation == 0
    out = searchable_pdf(scanned_pdf, pages, tmp_path / "scan.ocr.pdf")
    text = subprocess.run(  # noqa: S603  (fixed argv)
        ["pdftotext", "-f", "1", "-l", "1", str(out), "-"],  # noqa: S607  (a Debian tool on PATH)
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Phạm vi điều chỉnh" in " ".join(text.split())
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        meta = pdf.open_metadata()
        assert meta.pdfa_status.startswith("2")


def test_upside_down_image_is_read_and_its_rotation_reported(tmp_path):
    text = next(legal_paragraphs(limit=1))
    page = render_page(text, seed=5, max_lines=5, dpi=200)
    path = tmp_path / "up.png"
    page.image.crop((0, 0, page.image.width, page.image.height // 3)).rotate(180).save(
        path, dpi=(200, 200)
    )
    [result] = extract_pages(path)
    assert result.rotation == 180
    assert cer(page.text, result.text) < 0.03


def test_a_tiff_frame_is_checked_and_hashed_by_the_decode_that_reads_it(
    tmp_path, quick_pages, settings
):
    """The page decode of a TIFF frame records the hash of the frame's own pixels (the case
    files' content hash), and checks the size of that frame: a frame over the limit (lowered
    here after the file was accepted) is refused as too large, with the figures, not as
    damaged; the other frame still reads."""
    from PIL import Image

    small = quick_pages[0].image.convert("1")
    large = Image.new("1", (small.width * 2, small.height), 1)
    path = tmp_path / "two.tif"
    small.save(path, save_all=True, append_images=[large], dpi=(150, 150), compression="group4")
    info = pipeline.inspect(path)
    first = pipeline.page_image(info, 1, tmp_path)
    with Image.open(path) as image:
        assert first.content_hash == pipeline.frame_hash(image) and image.mode == "1"
        image.seek(1)
        assert pipeline.page_image(info, 2, tmp_path).content_hash == pipeline.frame_hash(image)
    # Its tags (G4: its strips go into the copy) and its pixels as stored, from the same decode.
    assert first.frame and first.frame.tags[259] == 4
    with Image.open(path) as image:
        assert first.frame.pixels == image.tobytes() and first.frame.mode == "1"
    settings.OCR_MAX_PAGE_PIXELS = small.width * small.height
    assert pipeline.page_image(info, 1, tmp_path).content_hash == first.content_hash
    with pytest.raises(OcrError) as refused:
        pipeline.page_image(info, 2, tmp_path)
    assert str(refused.value).startswith("Trang 2: ảnh quá lớn (")
    assert "hỏng" not in str(refused.value)


def test_a_tiff_frame_of_many_strips_goes_into_the_copy_from_its_decode_losslessly(
    tmp_path, quick_pages
):
    """A G4 frame of several strips (Pillow's default) and an LZW greyscale frame cannot go
    into the copy as stored: their pixels, as the OCR decoded them, go in losslessly."""
    from PIL import Image

    from digitaldesk.ocr.services import ocr_one

    bilevel = quick_pages[0].image.convert("1")
    grey = quick_pages[1].image.convert("L")
    for name, image, compression in (("g4.tif", bilevel, "group4"), ("lzw.tif", grey, "tiff_lzw")):
        path = tmp_path / name
        image.save(path, dpi=(150, 150), compression=compression)
        with Image.open(path) as stored:
            assert stored.tag_v2[259] != 4 or len(stored.tag_v2[273]) > 1  # not one G4 strip
        page = ocr_one(pipeline.inspect(path), 1, tmp_path)
        assert page.ok and page.pdf
        with pikepdf.open(__import__("io").BytesIO(page.pdf)) as pdf:
            [shown] = pdf.pages[0].images.values()
            copied = pikepdf.PdfImage(shown).as_pil_image()
        assert copied.mode == image.mode and copied.tobytes() == image.tobytes(), name


def test_multi_page_tiff_and_blank_page(tmp_path, quick_pages):
    from PIL import Image

    blank = Image.new("L", quick_pages[0].image.size, 255)
    path = tmp_path / "two.tif"
    quick_pages[0].image.save(
        path, save_all=True, append_images=[blank], dpi=(150, 150), compression="tiff_lzw"
    )
    first, second = extract_pages(path)
    assert cer(quick_pages[0].text, first.text) < 0.03
    assert second.ok and second.text == "" and second.words == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"Day khong phai PDF, chi la van ban", "bien-ban.pdf", "không phải PDF"),
        (b"PK\x03\x04 zip archive", "hop-dong.docx", "không được hỗ trợ"),
    ],
)
def test_wrong_types_are_refused_clearly(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OcrError, match=message):
        pipeline.inspect(path)


def test_truncated_pdf_reports_and_keeps_what_it_can(tmp_path, quick_pdf):
    data = quick_pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    try:
        info = pipeline.inspect(cut)
    except OcrError as exc:
        assert "hỏng" in str(exc)
        return
    # qpdf rebuilt what it could: every page either reads or says why not.
    pages = extract_pages(cut)
    assert len(pages) == info.pages
    assert all(p.ok or "Trang" in p.error for p in pages)


def test_garbage_pdf_is_reported(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    with pytest.raises(OcrError, match="hỏng"):
        pipeline.inspect(path)


def test_decompression_bomb_is_refused(tmp_path, settings):
    from PIL import Image

    settings.OCR_MAX_PAGE_PIXELS = 1_000_000
    path = tmp_path / "bomb.png"
    Image.new("1", (4000, 4000), 1).save(path)  # 16 Mpx of white compresses to a few KB
    assert path.stat().st_size < 100_000
    with pytest.raises(OcrError, match="bom giải nén"):
        pipeline.inspect(path)
