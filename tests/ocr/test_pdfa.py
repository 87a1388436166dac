"""The searchable copy as PDF/A-2b (ocr.pdfa) and the two-pass reading of turned pages, with the
real Tesseract, qpdf/pikepdf, pdffonts and Ghostscript."""

from __future__ import annotations

import subprocess

import pikepdf

from digitaldesk.ocr import pdfa, pipeline
from digitaldesk.ocr.engines import TesseractEngine, looks_turned
from digitaldesk.ocr.samples import legal_paragraphs, render_page
from digitaldesk.ocr.services import extract_pages, searchable_pdf
from tests.ocr.pdfa_check import assert_pdfa_2b


def test_a_scan_copy_is_made_pdfa_without_ghostscript(scanned_pdf, tmp_path):
    pages = extract_pages(scanned_pdf)
    out = tmp_path / "scan.ocr.pdf"
    sheets = pipeline.sheets_for(pipeline.inspect(scanned_pdf), pages)
    assert pipeline.assemble(sheets, out) is True
    assert_pdfa_2b(out)
    with pikepdf.open(out) as pdf:
        assert pdfa.why_not_native(pdf) == ""  # scans and text layers only: no Ghostscript pass
        assert "Ghostscript" not in str(pdf.docinfo.get("/Producer", ""))
        # The scan is the original image, byte for byte (never re-encoded).
        with pikepdf.open(scanned_pdf) as original:
            for copy_page, original_page in zip(pdf.pages, original.pages, strict=True):
                [image] = original_page.get_images().values()
                copied = list(copy_page.get_images().values())  # also inside the overlay's forms
                assert [x.read_raw_bytes() for x in copied] == [image.read_raw_bytes()]
    text = subprocess.run(  # noqa: S603  (fixed argv)
        ["pdftotext", str(out), "-"],  # noqa: S607  (a Debian tool on PATH)
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Phạm vi điều chỉnh" in " ".join(text.split())


def test_a_born_digital_pdf_goes_through_ghostscript_and_is_still_pdfa(tmp_path):
    """A PDF with text in a font it does not embed (Helvetica) cannot be made PDF/A by adding
    metadata: the check says why and Ghostscript embeds the font; the output intent is added."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page = pdf.add_blank_page(page_size=(595, 300))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(b"BT /F1 28 Tf 50 200 Td (Quyet dinh khoi to vu an) Tj ET")
    source = tmp_path / "born-digital.pdf"
    pdf.save(source)
    pages = extract_pages(source)
    assert "khoi to" in pages[0].text.lower()
    with pikepdf.open(source) as check:
        assert "not embedded" in pdfa.why_not_native(check)
    out = searchable_pdf(source, pages, tmp_path / "born-digital.ocr.pdf")
    assert_pdfa_2b(out)


def test_turned_pages_betray_themselves_in_the_first_pass_and_are_read_in_the_second(tmp_path):
    """The default mode (`--psm 3`, one pass for an upright page) reads upside-down or
    counter-clockwise pages as low-confidence garbage; only those get the orientation pass."""
    text = next(legal_paragraphs(limit=1))
    sheet = render_page(text, seed=5, max_lines=5, dpi=200).image
    sheet = sheet.crop((0, 0, sheet.width, sheet.height // 3))
    engine = TesseractEngine()
    for fed, upright in ((0, 0), (90, 270), (180, 180), (270, 90)):
        path = tmp_path / f"fed-{fed}.png"
        sheet.rotate(-fed, expand=True).save(path, dpi=(200, 200))
        first = engine.read(path, number=1, dpi=200, text_only_pdf=False, psm=3)
        assert looks_turned(first) == (fed in (180, 270)), (fed, first.confidence)
        page = engine.recognize(path, number=1, dpi=200, text_only_pdf=False)
        assert page.rotation == upright and page.confidence > 80 and "Điều 1" in page.text, fed


def test_the_searchable_copy_of_a_turned_image_is_shown_upright(tmp_path):
    text = next(legal_paragraphs(limit=1))
    page = render_page(text, seed=5, max_lines=5, dpi=200)
    path = tmp_path / "up.png"
    page.image.crop((0, 0, page.image.width, page.image.height // 3)).rotate(180).save(
        path, dpi=(200, 200)
    )
    pages = extract_pages(path)
    out = searchable_pdf(path, pages, tmp_path / "up.ocr.pdf")
    assert_pdfa_2b(out)
    with pikepdf.open(out) as pdf:
        assert int(pdf.pages[0].obj.Rotate) == 180
