"""Reading PDFs safely, and helpers that keep signed originals byte-identical.

Other apps use these to respect the rule "a signed original is never altered":

    from digitaldesk.signing.pdf import is_signed, signed_revision, stamped_copy

    if is_signed(data):
        copy = stamped_copy(data, lines=["ĐẾN", "Số: 125", "Ngày: 05/03/2026"])  # a separate file
        # keep `data` as it is; store `copy` beside it

A stamped copy is an incremental update (the original bytes are its prefix), so
the original signatures still verify in the copy, reported as "followed by later
changes", and `signed_revision(copy, field)` gives the original back.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from digitaldesk.signing import conf
from digitaldesk.signing.errors import BadPdfError

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[")


def check_pdf_bytes(data: bytes) -> None:
    if not data:
        raise BadPdfError("Tệp rỗng.")
    if len(data) > conf.max_pdf_bytes():
        raise BadPdfError(f"Tệp quá lớn (tối đa {conf.max_pdf_bytes() // (1024 * 1024)} MB).")
    if b"%PDF-" not in data[:1024]:
        raise BadPdfError("Tệp không phải là PDF (thiếu phần đầu %PDF-).")


def open_pdf(data: bytes, *, allow_encrypted: bool = False) -> PdfFileReader:
    """Parse a PDF or raise BadPdfError with a Vietnamese message.

    Encrypted (password-protected) PDFs are refused for signing: the desk cannot
    add a revision without the owner's password and must not strip the protection.
    For verification, a PDF that opens with an empty user password is accepted.
    """
    check_pdf_bytes(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            if not allow_encrypted:
                raise BadPdfError(
                    "Tệp PDF được đặt mật khẩu (mã hóa). Hãy gỡ mật khẩu rồi tải lên lại; "
                    "hệ thống không ký số tệp đã mã hóa.",
                    code="encrypted_pdf",
                )
            result = reader.decrypt(b"")
            if (
                getattr(result, "status", None) is not None
                and "FAILED" in str(result.status).upper()
            ):
                raise BadPdfError(
                    "Tệp PDF được đặt mật khẩu mở tệp; hệ thống không đọc được nội dung.",
                    code="encrypted_pdf",
                )
        pages = reader.root["/Pages"]
        count = int(pages["/Count"])
        if count < 1:
            raise BadPdfError("Tệp PDF không có trang nào.")
        reader.find_page_for_modification(count - 1)  # the page tree resolves down to the last page
    except BadPdfError:
        raise
    except (PdfError, KeyError, ValueError, TypeError, IndexError, AttributeError, OSError) as exc:
        raise BadPdfError("Tệp PDF bị hỏng hoặc không đúng định dạng, không đọc được.") from exc
    return reader


def page_count(reader: PdfFileReader) -> int:
    return int(reader.root["/Pages"]["/Count"])


def page_size(reader: PdfFileReader, index: int) -> tuple[float, float]:
    page_ref, _ = reader.find_page_for_modification(index)
    page_obj = page_ref.get_object()
    box = (
        page_obj.get("/CropBox")
        or page_obj.get("/MediaBox")
        or reader.root["/Pages"].get("/MediaBox")
    )
    x1, y1, x2, y2 = (float(v) for v in box)
    return x2 - x1, y2 - y1


def is_signed(pdf: bytes) -> bool:
    """True if the PDF carries at least one digital signature (filled signature field)."""
    if not _BYTE_RANGE.search(pdf):
        return False
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            reader.decrypt(b"")
        return bool(reader.embedded_signatures)
    except (
        Exception
    ):  # a damaged file that still contains /ByteRange: treat as signed, keep it intact
        return True


@dataclass(frozen=True)
class SignatureField:
    name: str
    signed: bool
    page_index: int | None
    rect: tuple[float, float, float, float] | None


def signature_fields(reader: PdfFileReader) -> list[SignatureField]:
    """All signature fields (filled or empty) with their widget position."""
    from pyhanko.sign.fields import enumerate_sig_fields

    result: list[SignatureField] = []
    found = list(enumerate_sig_fields(reader, filled_status=None))
    if not found:
        return result
    page_refs, annot_pages = _page_refs(reader)
    for name, value, field_ref in found:
        field = field_ref.get_object()
        widget = field
        kids = field.get("/Kids")
        if kids:
            widget = kids[0].get_object()
        rect = None
        if "/Rect" in widget:
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            rect = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        page_index = None
        page_ref = widget.raw_get("/P") if "/P" in widget else None
        if isinstance(page_ref, generic.IndirectObject):
            page_index = page_refs.get(page_ref.idnum)
        if page_index is None:
            widget_ref = kids[0] if kids else field_ref
            page_index = annot_pages.get(getattr(widget_ref, "idnum", -1))
        result.append(SignatureField(str(name), value is not None, page_index, rect))
    return result


def _page_refs(reader: PdfFileReader) -> tuple[dict[int, int], dict[int, int]]:
    """(page object number -> index, annotation object number -> page index), in one walk of the
    page tree (looking pages up one by one walks the tree from the root each time)."""
    refs: dict[int, int] = {}
    annots: dict[int, int] = {}
    stack = [reader.root.raw_get("/Pages")]
    seen: set[int] = set()
    while stack:
        node_ref = stack.pop()
        if isinstance(node_ref, generic.IndirectObject):
            if node_ref.idnum in seen:  # a looping page tree in a damaged file
                continue
            seen.add(node_ref.idnum)
        try:
            node = node_ref.get_object()
            if node.get("/Type") == "/Pages" or "/Kids" in node:
                stack.extend(reversed(list(node.raw_get("/Kids"))))
                continue
            index = len(refs)
            if isinstance(node_ref, generic.IndirectObject):
                refs[node_ref.idnum] = index
            for annot in node.raw_get("/Annots").get_object() if "/Annots" in node else []:
                if isinstance(annot, generic.IndirectObject):
                    annots[annot.idnum] = index
        except Exception:  # noqa: S112  (an unusual page tree only loses the page number)
            continue
    return refs, annots


def signed_revision(pdf: bytes, field_name: str) -> bytes:
    """The bytes of the document exactly as they were when `field_name` was signed."""
    reader = open_pdf(pdf, allow_encrypted=True)
    for sig in reader.embedded_signatures:
        if sig.field_name == field_name:
            start, length, offset, tail = (int(v) for v in sig.byte_range)
            return pdf[: offset + tail]
    raise BadPdfError(f"Không có chữ ký mang tên trường {field_name!r} trong tệp.")


def stamped_copy(
    pdf: bytes,
    *,
    lines: list[str],
    page: int = 0,
    box: tuple[float, float, float, float] | None = None,
    color: tuple[int, int, int] = (214, 26, 32),
) -> bytes:
    """A separate copy of `pdf` with a text stamp (e.g. the "ĐẾN" stamp or "BẢN SAO"), added as an
    incremental update: the original bytes are untouched and remain a prefix of the copy."""
    from PIL import Image, ImageDraw
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.stamp import StaticStampStyle

    from digitaldesk.signing import images

    reader = open_pdf(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    width, height = page_size(reader, page)
    png, text_h = images.text_lines_png(lines, width_pt=150, size_pt=11)
    with Image.open(io.BytesIO(png)) as img:
        text = Image.new("RGBA", (img.width + 16, img.height + 16), (0, 0, 0, 0))
        text.alpha_composite(img.convert("RGBA"), (8, 8))
        framed = Image.new("RGBA", text.size, (*color, 0))
        framed.putalpha(text.getchannel("A"))  # the text, recoloured in the stamp's ink
        ImageDraw.Draw(framed).rectangle(
            (1, 1, framed.width - 2, framed.height - 2), outline=(*color, 255), width=4
        )
    w_pt, h_pt = framed.width / images.PX_PER_PT, framed.height / images.PX_PER_PT
    if box is None:
        box = (
            width - 15 * 72 / 25.4 - w_pt,
            height - 10 * 72 / 25.4 - h_pt,
            width - 15 * 72 / 25.4,
            height - 10 * 72 / 25.4,
        )
    style = StaticStampStyle(
        background=PdfImage(framed, writer=writer), border_width=0, background_opacity=1.0
    )
    stamp = style.create_stamp(
        writer, BoxConstraints(width=box[2] - box[0], height=box[3] - box[1]), {}
    )
    # A /Stamp annotation (not new page content): viewers show it, and verifiers classify the
    # change as "annotations added after signing" rather than a change of the signed content.
    page_ref, _ = writer.find_page_for_modification(page)
    annot = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Stamp"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in box]),
            generic.NameObject("/F"): generic.NumberObject(4),  # print
            generic.NameObject("/P"): page_ref,
            generic.NameObject("/Contents"): generic.TextStringObject(" / ".join(lines)),
            generic.NameObject("/AP"): stamp.as_appearances().as_pdf_object(),
        }
    )
    writer.register_annotation(page_ref, writer.add_object(annot))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
