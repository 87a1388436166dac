"""The ĐẾN stamp on the archive copy: in blank paper, every line inside its frame."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from digitaldesk.documents import files
from tests.documents.conftest import FONT

DPI = 50
PER_MM = DPI / 25.4
LONG_AGENCY = "Viện kiểm sát nhân dân khu vực 7 thành phố Thăng Hoa, tỉnh Thăng Hoa mới"


def _decree_30_page() -> bytes:
    """Page 1 as Phụ lục I of NĐ 30/2020 lays it out: issuer and "Số:" top left, the national
    motto and the date top right, the type name centred, then the body across the page."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "TestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestSerif", FONT))
    out = io.BytesIO()
    sheet = canvas.Canvas(out)  # A4
    top = 297 * mm
    sheet.setFont("TestSerif", 12)
    for y, text in ((22, "VIỆN KIỂM SÁT NHÂN DÂN"), (27, "TỈNH THĂNG HOA"), (38, "Số: 93/TB-VKS")):
        sheet.drawCentredString(60 * mm, top - y * mm, text)
    for y, text in (
        (22, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (27, "Độc lập - Tự do - Hạnh phúc"),
        (38, "Thăng Hoa, ngày 14 tháng 5 năm 2024"),
    ):
        sheet.drawCentredString(145 * mm, top - y * mm, text)
    sheet.drawCentredString(105 * mm, top - 52 * mm, "THÔNG BÁO")
    sheet.drawCentredString(105 * mm, top - 58 * mm, "Kết luận của Viện trưởng tại Hội nghị")
    for line in range(20):
        sheet.drawString(30 * mm, top - (100 + 7 * line) * mm, "Nội dung văn bản " * 7)
    sheet.showPage()
    sheet.save()
    return out.getvalue()


def _render(pdf: bytes) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.pdf"
        path.write_bytes(pdf)
        argv = ["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", "-png"]
        subprocess.run([*argv, path, path.with_suffix("")], check=True)  # noqa: S603
        return np.asarray(Image.open(path.with_suffix(".png")).convert("RGB")).astype(int)


def test_the_stamp_sits_in_blank_paper_and_the_agency_name_stays_inside_its_frame():
    original = _decree_30_page()
    copy = files.archive_copy(
        original, agency=LONG_AGENCY, arrival_number=1234, arrival_date="15/05/2024"
    )
    before, after = _render(original), _render(copy)
    red = (after[..., 0] > 120) & (after[..., 1] < 110) & (after[..., 2] < 110)
    rows, cols = np.nonzero(red)
    # Everything the stamp prints (frame, name, ĐẾN, lines) is within the 50 × 35 mm frame.
    width_mm = (cols.max() - cols.min() + 1) / PER_MM
    height_mm = (rows.max() - rows.min() + 1) / PER_MM
    assert 49 <= width_mm <= 52 and 34 <= height_mm <= 37, (width_mm, height_mm)
    # The paper under the stamp was blank: not the issuer, the "Số:" line or the text.
    under = before[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    assert int((under.min(axis=2) < 200).sum()) == 0
    # And the stamp is in the upper part of the page, where a reader looks for it.
    assert rows.min() / PER_MM < 100
    text = files.pdf_text(copy)
    assert "ĐẾN" in text and "Số: 1234" in text and "THĂNG HOA" in text
