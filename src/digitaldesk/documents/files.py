"""Files of documents: checks on upload, storage, text layer, conversions, archive copy.

Every check raises `FileRefused` with a Vietnamese message the clerk can act on;
nothing is stored before all checks pass. Stored files are content-addressed and
never rewritten: a signed original stays byte-identical, and stamps or page
numbers only ever go to a separate archive copy (NĐ 30/2020, Điều 5 and 19).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess  # noqa: S404  (fixed argument lists, no shell)
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from digitaldesk.accounts.models import User
from digitaldesk.core.archives import ArchiveRefused, check_zip_archive
from digitaldesk.core.files import UnsafeFileName, extension_of, safe_file_name
from digitaldesk.core.images import ImageRefused, open_image_safely
from digitaldesk.core.processes import ConfinedTimeout, run_confined
from digitaldesk.documents.models import StoredFile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IMAGE_TYPES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
MIN_TEXT_CHARS_PER_PAGE = 25  # below this a PDF page is treated as a scan that needs OCR


class FileRefused(Exception):
    """The upload cannot be accepted; the message says why and what to do."""


@dataclass
class Inspected:
    name: str
    data: bytes
    content_type: str
    page_count: int | None
    text: str
    needs_ocr: bool

    @property
    def kind(self) -> str:
        return {PDF: "pdf", DOCX: "docx"}.get(self.content_type, "image")


def max_upload_bytes() -> int:
    return int(settings.DESK_MAX_UPLOAD_BYTES)


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def too_large_message(size: int | None = None) -> str:
    got = f" (tệp gửi lên {human_size(size)})" if size else ""
    return (
        f"Tệp quá lớn{got}: Bàn làm việc số nhận tệp tối đa {human_size(max_upload_bytes())}. Vui "
        "lòng quét lại ở độ phân giải 200–300 dpi, chế độ đen trắng hoặc thang xám, hoặc tách "
        "văn bản thành nhiều tệp."
    )


def max_pages() -> int:
    return int(settings.DESK_MAX_PAGES_PER_UPLOAD)


def too_many_pages_message(pages: int) -> str:
    return (
        f"Tệp có {pages} trang, vượt giới hạn {max_pages()} trang cho một lần tải lên. Vui lòng "
        "tách tệp thành nhiều phần rồi tải lên từng phần."
    )


def inspect_upload(name: str, data: bytes) -> Inspected:
    """Check an uploaded file and read its text layer. Raises FileRefused.

    The file name is made safe first (no path, no control characters, no executable
    extension: `core.files.safe_file_name`), and the stored name gets the extension
    of what the file really is, whatever the clerk's file was called.
    """
    try:
        name = safe_file_name(name, default="van-ban")
    except UnsafeFileName as exc:
        raise FileRefused(str(exc)) from exc
    inspected = _inspect_content(name, data)
    if inspected.page_count is not None and inspected.page_count > max_pages():
        raise FileRefused(too_many_pages_message(inspected.page_count))
    inspected.name = _with_extension(inspected.name, EXTENSIONS.get(inspected.content_type, "bin"))
    return inspected


_ALIASES = {"jpg": {"jpg", "jpeg"}, "tif": {"tif", "tiff"}}
_EXTENSION_LIKE = re.compile(r"^[a-z][a-z0-9]{0,4}$")


def _with_extension(name: str, extension: str) -> str:
    """The name with the extension of what the file really is: "Quyết định.PDF" ->
    "Quyết định.pdf", "scan.docx" (a PNG inside) -> "scan.png", "to-trinh" -> "to-trinh.pdf"."""
    suffix = extension_of(name)
    if suffix in _ALIASES.get(extension, {extension}):
        return f"{name[: -len(suffix)]}{suffix}"
    if suffix and _EXTENSION_LIKE.match(suffix):
        return f"{name[: -len(suffix)]}{extension}"
    return f"{name}.{extension}"


def _inspect_content(name: str, data: bytes) -> Inspected:
    if not data:
        raise FileRefused("Tệp rỗng (0 byte). Vui lòng chọn lại tệp.")
    if len(data) > max_upload_bytes():
        raise FileRefused(too_large_message(len(data)))
    lower = name.lower()
    if data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and lower.endswith(".pdf")):
        return _inspect_pdf(name, data)
    if data.startswith(b"PK\x03\x04"):
        return _inspect_docx(name, data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "Tệp Word định dạng cũ (.doc) không được nhận vì không kiểm tra được macro. Vui lòng "
            "mở tệp và lưu lại thành .docx hoặc PDF rồi tải lên lại."
        )
    for magic, content_type in IMAGE_TYPES.items():
        if data.startswith(magic):
            return _inspect_image(name, data, content_type)
    if lower.endswith(".pdf"):
        raise FileRefused(
            "Tệp PDF bị hỏng hoặc không phải PDF thật (thiếu phần đầu %PDF). Vui lòng xuất lại "
            "PDF từ phần mềm gốc hoặc quét lại văn bản."
        )
    raise FileRefused(
        "Định dạng tệp không được hỗ trợ. Bàn làm việc số nhận PDF, DOCX (không có macro) hoặc "
        "ảnh quét PNG/JPEG/TIFF."
    )


def _inspect_pdf(name: str, data: bytes) -> Inspected:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise FileRefused(
            "Tệp PDF được đặt mật khẩu nên không đọc, kiểm tra chữ ký số hay tìm kiếm được. Vui "
            "lòng đề nghị nơi gửi cung cấp bản không đặt mật khẩu, hoặc mở tệp, bỏ mật khẩu rồi "
            "tải lên lại."
        ) from exc
    except Exception as exc:  # pikepdf.PdfError and parser errors of damaged files
        raise FileRefused(
            "Tệp PDF bị hỏng, không đọc được nội dung. Vui lòng xuất lại PDF từ phần mềm gốc, tải "
            "lại tệp từ nơi gửi, hoặc quét lại văn bản giấy."
        ) from exc
    if pages == 0:
        raise FileRefused("Tệp PDF không có trang nào. Vui lòng kiểm tra lại tệp.")
    if pages > max_pages():  # before the text layer is read: pdftotext of 2,000 pages is slow
        raise FileRefused(too_many_pages_message(pages))
    text = pdf_text(data)
    needs_ocr = len("".join(text.split())) < MIN_TEXT_CHARS_PER_PAGE * pages
    return Inspected(name, data, PDF, pages, "" if needs_ocr else text, needs_ocr)


def _inspect_docx(name: str, data: bytes) -> Inspected:
    # Sizes and ratio of every member first: python-docx and LibreOffice inflate them all.
    try:
        check_zip_archive(data)
    except ArchiveRefused as exc:
        raise FileRefused(str(exc)) from exc
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise FileRefused(
            "Tệp Word bị hỏng, không mở được. Vui lòng lưu lại tệp từ Word/LibreOffice rồi tải "
            "lên lại."
        ) from exc
    if "word/document.xml" not in names:
        raise FileRefused(
            "Tệp không phải văn bản Word (.docx). Bàn làm việc số nhận PDF, DOCX hoặc ảnh quét."
        )
    macro = (
        any(n.lower().endswith("vbaproject.bin") for n in names)
        or "macroEnabled" in content_types
        or name.lower().endswith((".docm", ".dotm"))
    )
    if macro:
        raise FileRefused(
            "Tệp Word có chứa macro (mã lệnh tự động) nên bị từ chối để bảo đảm an toàn thông "
            "tin. Vui lòng lưu lại dưới dạng “Word Document (.docx)” không có macro hoặc xuất ra "
            "PDF rồi tải lên lại."
        )
    try:
        text = docx_text(data)
    except Exception as exc:
        raise FileRefused(
            "Tệp Word bị hỏng, không đọc được nội dung. Vui lòng lưu lại tệp rồi tải lên lại."
        ) from exc
    return Inspected(name, data, DOCX, None, text, False)


def _inspect_image(name: str, data: bytes, content_type: str) -> Inspected:
    try:
        with open_image_safely(data) as image:
            frames = getattr(image, "n_frames", 1)
            image.verify()
    except ImageRefused as exc:
        raise FileRefused(str(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise FileRefused("Ảnh quét bị hỏng, không mở được. Vui lòng quét lại văn bản.") from exc
    return Inspected(name, data, content_type, frames, "", True)


# --- Text --------------------------------------------------------------------------
def pdf_text(data: bytes) -> str:
    """The PDF's own text layer (poppler's pdftotext), page breaks as form feeds."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(  # noqa: S603  (a fixed argument list, no shell)
            ["pdftotext", "-enc", "UTF-8", "-q", handle.name, "-"],  # noqa: S607
            capture_output=True,
            timeout=120,
            check=False,
        )
    return result.stdout.decode("utf-8", "replace")


def docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


# --- Storage -----------------------------------------------------------------------
EXTENSIONS = {
    PDF: "pdf",
    DOCX: "docx",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
}


def store(
    *,
    data: bytes,
    name: str,
    content_type: str,
    user: User | None = None,
    page_count: int | None = None,
) -> StoredFile:
    """Keep `data` once under its SHA-256; the same bytes are stored only once on disk."""
    digest = hashlib.sha256(data).hexdigest()
    path = f"documents/{digest[:2]}/{digest}.{EXTENSIONS.get(content_type, 'bin')}"
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(data))
        if saved != path:  # a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    return StoredFile.objects.create(
        sha256=digest,
        name=safe_file_name(name, default="van-ban", strict=False),
        content_type=content_type,
        size=len(data),
        file=path,
        page_count=page_count,
        created_by=user if user is not None and user.pk else None,
    )


def read(stored: StoredFile) -> bytes:
    name = stored.file.name
    if not name:
        raise FileNotFoundError(f"StoredFile {stored.pk} has no file on storage")
    with default_storage.open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


# --- Conversions --------------------------------------------------------------------
class ConversionFailed(Exception):
    pass


def to_pdf_with_libreoffice(data: bytes, suffix: str, *, pdfa: bool = True) -> bytes:
    """Convert a DOCX to PDF (PDF/A-2b by default) with LibreOffice headless.

    1. The archive is checked again (`core.archives`): LibreOffice never sees a bomb,
       whoever calls this.
    2. Each call uses its own LibreOffice profile directory, so several workers can
       convert at the same time.
    3. LibreOffice runs confined (`core.processes.run_confined`): its own process
       group, DESK_LIBREOFFICE_TIMEOUT_SECONDS of wall time and
       DESK_LIBREOFFICE_MEMORY_MB of address space; the whole group is killed when
       the call ends, so no `soffice.bin` outlives it.
    """
    try:
        check_zip_archive(data)
    except ArchiveRefused as exc:
        raise ConversionFailed(str(exc)) from exc
    root = Path(settings.DATA_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="desk-lo-", dir=root))
    try:
        source = work / f"draft{suffix}"
        source.write_bytes(data)
        target = (
            'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
            if pdfa
            else "pdf"
        )
        env = {**os.environ, "HOME": str(work)}
        memory = int(settings.LIBREOFFICE_MEMORY_MB) * 1024 * 1024
        try:
            result = run_confined(
                [
                    settings.LIBREOFFICE_CMD,
                    f"-env:UserInstallation=file://{work}/profile",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(work / "out"),
                    str(source),
                ],
                timeout=int(settings.LIBREOFFICE_TIMEOUT_SECONDS),
                memory_bytes=memory or None,
                marker=str(work),
                env=env,
            )
        except ConfinedTimeout as exc:
            raise ConversionFailed(
                "Không chuyển được tệp Word sang PDF: LibreOffice chạy quá "
                f"{settings.LIBREOFFICE_TIMEOUT_SECONDS} giây nên đã bị dừng. Tệp có thể quá "
                "nặng; vui lòng xuất PDF từ Word/LibreOffice rồi tải lên."
            ) from exc
        except OSError as exc:
            raise ConversionFailed(
                "Không chuyển được tệp Word sang PDF (LibreOffice không chạy được)."
            ) from exc
        produced = work / "out" / "draft.pdf"
        if not produced.exists():
            raise ConversionFailed(
                "Không chuyển được tệp Word sang PDF: "
                + (result.stderr.decode("utf-8", "replace")[-200:] or "lỗi không rõ")
            )
        return produced.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def image_to_pdf(data: bytes) -> bytes:
    from PIL import ImageSequence

    with open_image_safely(data) as image:
        frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(image)]
        dpi = image.info.get("dpi", (300, 300))[0] or 300
    out = io.BytesIO()
    frames[0].save(
        out, format="PDF", save_all=True, append_images=frames[1:], resolution=float(dpi)
    )
    return out.getvalue()


# --- Archive copy: ĐẾN stamp and page numbers -------------------------------------
# Liberation 2.x has the precomposed Vietnamese letters (1.x does not); DejaVu as a fallback.
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
]
_FONT_BOLD_CANDIDATES = [
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
]


def register_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = []
    for label, candidates in (
        ("DeskSerif", FONT_CANDIDATES),
        ("DeskSerifBold", _FONT_BOLD_CANDIDATES),
    ):
        if label not in pdfmetrics.getRegisteredFontNames():
            path = next((p for p in candidates if Path(p).exists()), None)
            if path is None:
                raise ConversionFailed(
                    "Thiếu phông chữ Liberation Serif/DejaVu Serif (gói fonts-liberation)."
                )
            pdfmetrics.registerFont(TTFont(label, path))
        names.append(label)
    return names[0], names[1]


STAMP_WIDTH_MM, STAMP_HEIGHT_MM = 50.0, 35.0
_STAMP_CLEARANCE_MM = 1.5  # blank paper kept around the frame
_PAGE_MARGIN_MM = 4.0  # never closer than this to the paper's edge
_SCAN_DPI = 50  # about 2 pixels per millimetre: enough to see a line of text
_INK_LEVEL = 200  # grey below this counts as ink (text, lines, scan shadows)
_INK_TOLERANCE = 0.0005  # a speck of scan dust does not make a spot unusable


def stamp_position(pdf_data: bytes) -> tuple[float, float] | None:
    """Where the ĐẾN stamp goes on page 1: the top-left corner of the frame in millimetres from
    the page's top-left corner, or None when the page cannot be rendered.

    The stamp must sit in blank paper, not over the issuer, the "Số:" line or the text (the
    requirement of issue 13; see docs/domain.md, "ĐẾN stamp"). Steps:
    1. render page 1 in grey at 50 dpi with pdftoppm (what a reader sees, scans included);
    2. mark every pixel darker than `_INK_LEVEL` as ink and sum them in an integral image;
    3. slide a 50 × 35 mm frame (plus clearance) over the page, row by row from the top, each
       row from the left, in 1 mm steps, and take the first spot with no ink (a few dust pixels
       tolerated): the highest blank paper, usually beside or under the issuer and "Số:" line;
    4. if the page has no such spot, take the spot with the least ink.
    """
    import numpy as np
    import pikepdf
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="desk-stamp-") as tmp:
        source = Path(tmp) / "page.pdf"
        source.write_bytes(pdf_data)
        try:
            with pikepdf.open(source) as pdf:
                if int(pdf.pages[0].obj.get("/Rotate", 0)) % 360:
                    return None  # the rendered image would not match the page's coordinates
        except (pikepdf.PdfError, IndexError, ValueError):
            return None
        base = Path(tmp) / "render"
        proc = subprocess.run(  # noqa: S603  (constant argv and our own temporary paths)
            [  # noqa: S607  (poppler's pdftoppm, a Debian tool on PATH)
                "pdftoppm",
                "-f",
                "1",
                "-l",
                "1",
                "-r",
                str(_SCAN_DPI),
                "-gray",
                "-singlefile",
                str(source),
                str(base),
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )
        rendered = base.with_suffix(".pgm")
        if proc.returncode != 0 or not rendered.exists():
            return None
        with Image.open(rendered) as image:
            grey = np.asarray(image.convert("L"))
    per_mm = _SCAN_DPI / 25.4
    ink = (grey < _INK_LEVEL).astype(np.int32)
    rows, cols = ink.shape
    total = np.zeros((rows + 1, cols + 1), dtype=np.int64)
    total[1:, 1:] = ink.cumsum(axis=0).cumsum(axis=1)
    box_w = round((STAMP_WIDTH_MM + 2 * _STAMP_CLEARANCE_MM) * per_mm)
    box_h = round((STAMP_HEIGHT_MM + 2 * _STAMP_CLEARANCE_MM) * per_mm)
    margin = round(_PAGE_MARGIN_MM * per_mm)
    if box_w + 2 * margin > cols or box_h + 2 * margin > rows:
        return None
    tolerance = int(box_w * box_h * _INK_TOLERANCE)
    step = max(1, round(per_mm))
    best: tuple[int, int, int] | None = None
    lefts = np.arange(margin, cols - margin - box_w + 1, step)
    for top in range(margin, rows - margin - box_h + 1, step):
        bottom = top + box_h
        counts = (
            total[bottom, lefts + box_w]
            - total[top, lefts + box_w]
            - total[bottom, lefts]
            + total[top, lefts]
        )
        blank = lefts[counts <= tolerance]
        if blank.size:
            return _stamp_mm(int(blank[0]), top, per_mm)
        index = int(np.argmin(counts))
        if best is None or int(counts[index]) < best[0]:
            best = (int(counts[index]), int(lefts[index]), top)
    if best is None:
        return None
    return _stamp_mm(best[1], best[2], per_mm)


def _stamp_mm(left_px: int, top_px: int, per_mm: float) -> tuple[float, float]:
    return (left_px / per_mm + _STAMP_CLEARANCE_MM, top_px / per_mm + _STAMP_CLEARANCE_MM)


def _fitted_lines(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    """`text` broken into at most `lines` lines no wider than `width` points at `size`; the
    last line is shortened with "…" when the words do not fit."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    result: list[str] = []
    words = text.split()
    while words and len(result) < lines:
        line = words.pop(0)
        while words and stringWidth(f"{line} {words[0]}", font, size) <= width:
            line = f"{line} {words.pop(0)}"
        result.append(line)
    if words or (result and stringWidth(result[-1], font, size) > width):
        last = result[-1] + (" " + " ".join(words) if words else "")
        while last and stringWidth(last + "…", font, size) > width:
            last = last[:-1].rstrip()
        result[-1] = last + "…"
    return result


def _fitted_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def archive_copy(pdf_data: bytes, *, agency: str, arrival_number: int, arrival_date: str) -> bytes:
    """A copy of the PDF with the ĐẾN stamp on page 1 and page numbers from page 2.

    ĐẾN stamp (Phụ lục IV [S]): 35 × 50 mm, agency name, "ĐẾN", Số, Ngày, Chuyển,
    Lưu hồ sơ số, placed in blank paper found on the page image (`stamp_position`), every
    line inside the frame (the agency name wraps to two lines and shrinks if it must).
    Page numbers are centred in the top margin, none on page 1 (Phụ lục I [S]). The original
    stays as it was; only this copy carries them.
    """
    import pikepdf
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    regular, bold = register_fonts()
    spot = stamp_position(pdf_data)
    with pikepdf.open(io.BytesIO(pdf_data)) as pdf:
        boxes = [tuple(float(v) for v in page.mediabox) for page in pdf.pages]
        overlay_buffer = io.BytesIO()
        sheet = canvas.Canvas(overlay_buffer)
        for index, (x0, y0, x1, y1) in enumerate(boxes):
            width, height = x1 - x0, y1 - y0
            sheet.setPageSize((width, height))
            sheet.translate(x0, y0)
            if index == 0:
                left_mm, top_mm = spot if spot is not None else (12.0, 8.0)
                _draw_stamp(
                    sheet,
                    left=left_mm * mm,
                    top=height - top_mm * mm,
                    fonts=(regular, bold),
                    agency=agency,
                    arrival_number=arrival_number,
                    arrival_date=arrival_date,
                )
            else:
                sheet.setFillColorRGB(0, 0, 0)
                sheet.setFont(regular, 13)
                sheet.drawCentredString(width / 2, height - 12 * mm, str(index + 1))
            sheet.showPage()
        sheet.save()
        with pikepdf.open(io.BytesIO(overlay_buffer.getvalue())) as overlay:
            for page, stamp in zip(pdf.pages, overlay.pages, strict=True):
                page.add_overlay(stamp, None)  # None: over the whole page
            out = io.BytesIO()
            pdf.save(out)
    return out.getvalue()


def _draw_stamp(
    sheet: Any,
    *,
    left: float,
    top: float,
    fonts: tuple[str, str],
    agency: str,
    arrival_number: int,
    arrival_date: str,
) -> None:
    """The frame and its six lines, each kept inside the 50 mm width (3 mm padding)."""
    from reportlab.lib.units import mm

    regular, bold = fonts
    inner = (STAMP_WIDTH_MM - 6) * mm
    centre = left + STAMP_WIDTH_MM / 2 * mm
    sheet.setStrokeColorRGB(0.72, 0.11, 0.11)
    sheet.setFillColorRGB(0.72, 0.11, 0.11)
    sheet.setLineWidth(1.2)
    sheet.rect(left, top - STAMP_HEIGHT_MM * mm, STAMP_WIDTH_MM * mm, STAMP_HEIGHT_MM * mm)
    name = " ".join(agency.upper().split())
    # The largest size (7.5 pt down to 5 pt) at which the name fits on one line, else on two.
    size = _fitted_size(name, bold, 7.5, inner, 6.0)
    name_lines = _fitted_lines(name, bold, size, inner, 2)
    while name_lines[-1].endswith("…") and size > 5.0:
        size -= 0.25
        name_lines = _fitted_lines(name, bold, size, inner, 2)
    for number, line in enumerate(name_lines):
        sheet.setFont(bold, size)
        offset = (4.0 if len(name_lines) == 1 else 3.6 + number * 3.0) * mm
        sheet.drawCentredString(centre, top - offset, line)
    sheet.setFont(bold, 14 if len(name_lines) == 1 else 13)
    sheet.drawCentredString(centre, top - 12.5 * mm, "ĐẾN")
    for offset, text in (
        (18.5, f"Số: {arrival_number}"),
        (23.5, f"Ngày: {arrival_date}"),
        (28.5, "Chuyển: ......................"),
        (33.0, "Lưu hồ sơ số: ..............."),
    ):
        sheet.setFont(regular, _fitted_size(text, regular, 9, inner, 6.0))
        sheet.drawString(left + 3 * mm, top - offset * mm, text)
