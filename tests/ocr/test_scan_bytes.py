"""The page is read once in the process and the stored scan is never encoded again (issue #16):
the in-process engine reads what the `tesseract` command reads; a PNG's and a G4 TIFF's own
bytes are the images of the searchable copy; a born-digital page is taken from its own text."""

from __future__ import annotations

import io
import os
import struct
import subprocess
from pathlib import Path

import pikepdf
from PIL import Image, ImageChops, ImageStat

from digitaldesk.ocr import pipeline, tessapi
from digitaldesk.ocr.samples import cer, legal_paragraphs, render_page
from digitaldesk.ocr.services import extract_pages, searchable_pdf


def _small_page(n: int = 0, dpi: int = 150) -> tuple[Image.Image, str]:
    text = list(legal_paragraphs(limit=n + 1))[n]
    page = render_page(text, seed=n, max_lines=6, dpi=dpi, skew_degrees=0.0)
    image = page.image.convert("L").crop((0, 0, page.image.width, page.image.height // 3))
    return image, page.text


def _rendered(pdf: Path, number: int, dpi: int) -> Image.Image:
    out = subprocess.run(  # noqa: S603
        ["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi), "-gray", str(pdf)],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def test_the_engine_in_the_process_reads_what_the_command_reads(tmp_path):
    assert tessapi.available()
    image, _text = _small_page(1)
    path = tmp_path / "page.png"
    image.save(path, dpi=(150, 150))
    subprocess.run(  # noqa: S603
        ["tesseract", str(path), str(tmp_path / "cli"), "-l", "vie", "--dpi", "150"],  # noqa: S607
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        capture_output=True,
        check=True,
    )
    result = tessapi.read(image, languages="vie", dpi=150, psm=3, timeout=60)
    assert result.text.strip() and result.text == (tmp_path / "cli.txt").read_text("utf-8")


def test_png_and_g4_tiff_pages_keep_their_own_bytes_in_the_searchable_copy(tmp_path):
    image, text = _small_page(2)
    png = tmp_path / "trang.png"
    image.save(png, dpi=(150, 150))
    [page] = extract_pages(png)
    assert cer(text, page.text) <= 0.02
    out = searchable_pdf(png, [page], tmp_path / "trang.ocr.pdf")
    data, pos, idat = png.read_bytes(), 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        idat += data[pos + 8 : pos + 8 + length] if kind == b"IDAT" else b""
        pos += 12 + length
    with pikepdf.open(out) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        [shown] = pdf.pages[0].get_images().values()
        assert shown.read_raw_bytes() == idat  # the PNG's own zlib data, not encoded again
        assert pikepdf.PdfImage(shown).as_pil_image().tobytes() == image.tobytes()

    frames = [_small_page(n)[0].point(lambda v: 255 if v > 150 else 0).convert("1") for n in (3, 4)]
    tif = tmp_path / "tap.tif"
    frames[0].save(
        tif,
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(150, 150),
        strip_size=2**30,  # one strip a frame, as document scanners write G4
    )
    pages = extract_pages(tif)
    out = searchable_pdf(tif, pages, tmp_path / "tap.ocr.pdf")
    with pikepdf.open(out) as pdf, Image.open(tif) as stored:
        assert pdf.open_metadata().pdfa_status == "2B"
        for number, sheet in enumerate(pdf.pages, start=1):
            shown = [sheet.Resources.XObject[f"/Im{i}"] for i in range(len(sheet.images))]
            assert all(x.Filter == pikepdf.Name.CCITTFaxDecode for x in shown)
            stored.seek(number - 1)
            strips = zip(stored.tag_v2[273], stored.tag_v2[279], strict=True)
            raw = tif.read_bytes()
            # The frame's own G4 strips, not encoded again.
            assert [x.read_raw_bytes() for x in shown] == [raw[o : o + c] for o, c in strips]
            # Black stays black: the page as a reader shows it is the frame as stored (but for
            # the smoothing of its edges).
            shown_page = _rendered(out, number, 150)
            difference = ImageChops.difference(shown_page, stored.convert("L"))
            assert ImageStat.Stat(difference).mean[0] < 3, ImageStat.Stat(difference).mean


def test_a_born_digital_page_is_taken_from_its_own_text(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from digitaldesk.ocr.samples import _FONT_CANDIDATES

    lines = ["Điều 1. Phạm vi điều chỉnh của Bộ luật", "Bộ luật này quy định trình tự, thủ tục"]
    if "SerifTest" not in pdfmetrics.getRegisteredFontNames():
        font = next(p for p in _FONT_CANDIDATES if Path(p).exists())
        pdfmetrics.registerFont(TTFont("SerifTest", font))
    digital = tmp_path / "so.pdf"
    sheet = canvas.Canvas(str(digital), pagesize=A4)
    sheet.setFont("SerifTest", 12)
    for n, line in enumerate(lines):
        sheet.drawString(72, 770 - 16 * n, line)
    sheet.showPage()
    sheet.save()
    scan, text = _small_page(5)
    scanned = tmp_path / "quet.pdf"
    scan.save(scanned, "PDF", resolution=150, quality=85)
    mixed = pikepdf.new()
    for part in (digital, scanned):
        with pikepdf.open(part) as doc:
            mixed.pages.extend(doc.pages)
    mixed.save(tmp_path / "tron.pdf")
    info = pipeline.inspect(tmp_path / "tron.pdf")
    assert pipeline.own_text(info.path, 2) is None  # a scan: recognised
    first, second = extract_pages(tmp_path / "tron.pdf")
    assert first.text == "\n".join(lines) and first.confidence == 100 and first.pdf is None
    assert [w.text for w in first.words][:3] == ["Điều", "1.", "Phạm"]
    assert 0 < first.words[0].x0 < first.words[0].x1 < 0.3 and first.words[0].y1 < 0.15
    assert cer(text, second.text) <= 0.02 and second.pdf is not None
