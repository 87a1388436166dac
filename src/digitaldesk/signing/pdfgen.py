"""Sample administrative documents as PDF (Vietnamese text, Decree 30 layout).

Used by the demo, the tests and the benchmark to have realistic input: A4,
Liberation Serif (metric-compatible with Times New Roman, NĐ 30/2020 Phụ lục I),
the issuer and national title at the top, the body, and on the last page the
recipients ("Nơi nhận") on the left and the signature block on the right:
authority line (e.g. "KT. VIỆN TRƯỞNG"), title, empty space for the signature
(box 7c) and the signer's name. Real documents come from the documents app.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from digitaldesk.signing import conf

A4 = (595.28, 841.89)
MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, 15 * MM, 20 * MM, 20 * MM

LOREM = (
    "Thực hiện Kế hoạch công tác năm 2026, Viện kiểm sát nhân dân tỉnh Thăng Hoa đề nghị các đơn "
    "vị rà soát việc thực hành quyền công tố và kiểm sát điều tra các vụ án hình sự đang thụ lý, "
    "bảo đảm đúng thời hạn tố tụng theo quy định của Bộ luật Tố tụng hình sự năm 2015; báo cáo "
    "kết quả bằng văn bản điện tử có chữ ký số qua Bàn làm việc số trước ngày 25 hằng tháng."
)


@dataclass
class SampleDocument:
    issuer: str = "VIỆN KSND TỈNH THĂNG HOA"
    number: str = "Số:      /VKSTH-VP"
    place_date: str = "Thăng Hoa, ngày      tháng      năm 2026"
    title: str = "CÔNG VĂN"
    summary: str = "V/v rà soát thời hạn tố tụng các vụ án đang thụ lý"
    paragraphs: list[str] = field(default_factory=lambda: [LOREM] * 4)
    pages: int = 1
    authority: str = ""  # e.g. "KT. VIỆN TRƯỞNG"
    signer_title: str = "VIỆN TRƯỞNG"
    signer_name: str = "Nguyễn Thị Hương"
    recipients: list[str] = field(
        default_factory=lambda: ["Như trên;", "Lãnh đạo Viện;", "Lưu: VT, VP."]
    )


class _Page:
    def __init__(
        self, regular: GlyphAccumulator, bold: GlyphAccumulator, italic: GlyphAccumulator
    ) -> None:
        self.ops: list[bytes] = []
        self.fonts = {"/F1": regular, "/F2": bold, "/F3": italic}

    def text(self, x: float, y: float, txt: str, font: str = "/F1", size: float = 13) -> None:
        engine = self.fonts[font]
        shaped = engine.shape(txt)
        # Font size 1 in Tf and the real size in the text matrix: the engine shapes in em units.
        self.ops.append(
            b"BT %s 1 Tf %g 0 0 %g %g %g Tm " % (font.encode(), size, size, x, y)
            + shaped.graphics_ops
            + b" ET"
        )

    def width(self, txt: str, font: str = "/F1", size: float = 13) -> float:
        return self.fonts[font].shape(txt, with_actual_text=False).x_advance * size

    def centred(self, cx: float, y: float, txt: str, font: str = "/F1", size: float = 13) -> None:
        self.text(cx - self.width(txt, font, size) / 2, y, txt, font, size)


def _wrap(page: _Page, text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and page.width(candidate, "/F1", size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


@functools.cache
def _font_1000(path: str) -> bytes:
    """The font rescaled to 1000 units per em: pyHanko 0.38 writes glyph widths in font
    units into /W, which PDF reads as thousandths of an em (Liberation uses 2048)."""
    from django.conf import settings

    cached = settings.DATA_DIR / "signing" / "fonts" / f"{Path(path).stem}-1000.ttf"
    if cached.exists():
        return cached.read_bytes()
    font = TTFont(path)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(".tmp")
    temporary.write_bytes(out.getvalue())
    temporary.replace(cached)
    return out.getvalue()


def _engine(writer: PdfFileWriter, path: str) -> GlyphAccumulator:
    return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_font_1000(path)), font_size=1)


def sample_pdf(doc: SampleDocument | None = None, **overrides: object) -> bytes:
    """Render a sample document to PDF bytes (one revision, no signature)."""
    doc = doc or SampleDocument()
    for key, value in overrides.items():
        setattr(doc, key, value)
    font = str(conf.font_path())
    bold_path = str(Path(font).with_name("LiberationSerif-Bold.ttf"))
    italic_path = str(Path(font).with_name("LiberationSerif-Italic.ttf"))
    writer = PdfFileWriter(stream_xrefs=False)
    regular, bold, italic = (
        _engine(writer, font),
        _engine(writer, bold_path),
        _engine(writer, italic_path),
    )
    width, height = A4
    body_width = width - LEFT - RIGHT
    size, leading = 13.0, 19.0
    pages: list[_Page] = []

    def new_page() -> _Page:
        page = _Page(regular, bold, italic)
        pages.append(page)
        if len(pages) > 1:  # page numbers centred in the top margin, none on page 1
            page.centred(LEFT + body_width / 2, height - 12 * MM, str(len(pages)), "/F1", 13)
        return page

    page = new_page()
    y = height - TOP - 12
    left_cx, right_cx = LEFT + 28 * MM, LEFT + body_width - 50 * MM
    page.centred(left_cx, y, doc.issuer, "/F2", 12)
    page.centred(right_cx, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "/F2", 12)
    y -= 17
    page.centred(right_cx, y, "Độc lập - Tự do - Hạnh phúc", "/F2", 13)
    y -= 26
    page.centred(left_cx, y, doc.number, "/F1", 13)
    page.centred(right_cx, y, doc.place_date, "/F3", 13)
    y -= 36
    if doc.title:
        page.centred(LEFT + body_width / 2, y, doc.title, "/F2", 14)
        y -= 20
    page.centred(
        LEFT + body_width / 2 if doc.title else left_cx,
        y,
        doc.summary,
        "/F2" if doc.title else "/F1",
        13,
    )
    y -= 32
    paragraphs = list(doc.paragraphs)
    if doc.pages > 1:
        # Fill every page but the last with body text; the last keeps room for the signature block.
        per_page = 5  # paragraphs of ~5 lines fit on an A4 page at 13 pt
        paragraphs = (paragraphs * (doc.pages * per_page // max(1, len(paragraphs)) + 1))[
            : (doc.pages - 1) * per_page + 2
        ]
    for index, paragraph in enumerate(paragraphs):
        if doc.pages > 1 and index and index % per_page == 0 and len(pages) < doc.pages:
            page = new_page()
            y = height - TOP - 20
        for line_index, line in enumerate(_wrap(page, paragraph, body_width - (12 * MM), size)):
            if y < BOTTOM + 20:
                page = new_page()
                y = height - TOP - 20
            page.text(LEFT + (12 * MM if line_index == 0 else 0), y, line, "/F1", size)
            y -= leading
        y -= 6
    while len(pages) < doc.pages:
        page = new_page()
        y = height - TOP - 20
    # Signature block: needs ~150 pt.
    if y < BOTTOM + 160:
        page = new_page()
        y = height - TOP - 20
    y -= 10
    sign_cx = LEFT + body_width - 42 * MM
    block_y = y
    page.text(LEFT, y, "Nơi nhận:", "/F2", 12)
    for recipient in doc.recipients:
        y -= 15
        page.text(LEFT, y, f"- {recipient}", "/F1", 11)
    y = block_y
    if doc.authority:
        page.centred(sign_cx, y, doc.authority, "/F2", 13)
        y -= 17
    page.centred(sign_cx, y, doc.signer_title, "/F2", 13)
    y -= 95
    page.centred(sign_cx, y, doc.signer_name, "/F2", 13)

    for engine in (regular, bold, italic):
        engine.prepare_write()
    resources = generic.DictionaryObject(
        {
            pdf_name("/Font"): generic.DictionaryObject(
                {
                    pdf_name(name): engine.as_resource()
                    for name, engine in (("/F1", regular), ("/F2", bold), ("/F3", italic))
                }
            )
        }
    )
    for p in pages:
        stream = generic.StreamObject(stream_data=b"\n".join(p.ops))
        stream.compress()
        writer.insert_page(
            PageObject(
                contents=writer.add_object(stream),
                media_box=[0, 0, width, height],
                resources=resources,
            )
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
