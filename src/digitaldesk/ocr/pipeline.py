"""The OCR pipeline as small ordered steps (docs/ocr.md).

    1. inspect(path)            -> SourceInfo   what the file really is (magic bytes), page count
    2. page_image(info, n, dir) -> PageImage    page n decoded once, greyscale, for the engine
    3. engine.recognize(...)    -> PageText     text, word boxes, a PDF page
    4. assemble(sheets, out)    -> bool         the searchable PDF (original pages + text
                                                layer), PDF/A-2b (ocr.pdfa; Ghostscript for
                                                files not made of scans)

Every step raises `OcrError` with a Vietnamese message for bad input, so callers
can report the file or the page and carry on with the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pikepdf
from django.conf import settings
from PIL import Image

from digitaldesk.core.images import ImageRefused, ImageTooLarge, check_frame, open_image_safely
from digitaldesk.ocr import pdfa as pdfa_writer
from digitaldesk.ocr import pdfpage
from digitaldesk.ocr.engines import OcrError, PageText, Word

log = logging.getLogger(__name__)

KIND_PDF = "pdf"
KIND_TIFF = "tiff"
KIND_JPEG = "jpeg"
KIND_PNG = "png"
KINDS = {KIND_PDF, KIND_TIFF, KIND_JPEG, KIND_PNG}
LABELS = {KIND_PDF: "PDF", KIND_TIFF: "TIFF", KIND_JPEG: "JPEG", KIND_PNG: "PNG"}


@dataclass
class SourceInfo:
    path: Path
    kind: str
    pages: int
    signed: bool = False  # a PDF carrying a digital signature: never rewritten


@dataclass
class PageImage:
    number: int
    image: Image.Image  # the page, decoded once, greyscale
    dpi: int
    from_pdf: bool  # the text layer is laid over the original PDF page
    colour: bool = True  # the page as stored has colours (the grey image is not all of it)
    # A TIFF frame: the hash of its pixels (`frame_hash`), its tags and pixels as stored, all
    # from this decode (the case files record the page's hash from it; the searchable copy
    # takes a G4 frame's strips, or the pixels, from it without reading the frame again).
    content_hash: str = ""
    frame: pdfpage.DecodedFrame | None = None


def frame_hash(image: Image.Image, pixels: bytes | None = None) -> str:
    """SHA-256 of an image frame's pixels as stored (mode, size, raw pixels: `pixels` when
    the caller has them): the content hash of a TIFF page
    (`casefiles.processing.page_content_hash`)."""
    digest = hashlib.sha256(f"{image.mode}{image.size}".encode())
    digest.update(image.tobytes() if pixels is None else pixels)
    return digest.hexdigest()


def sniff(path: Path) -> str | None:
    """The real type of a file from its first bytes (the extension is not trusted)."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" in head[:1024]:
        return KIND_PDF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return KIND_TIFF
    if head[:3] == b"\xff\xd8\xff":
        return KIND_JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return KIND_PNG
    return None


def max_pixels() -> int:
    return int(getattr(settings, "OCR_MAX_PAGE_PIXELS", 200_000_000))


def _open_image(path: Path, *, every_frame: bool = True) -> Image.Image:
    """Open through the desk's one image guard (`core.images.open_image_safely`), its
    refusals turned into OcrError: "too large" with the figures, never "damaged"."""
    try:
        return open_image_safely(path, max_pixels=max_pixels(), every_frame=every_frame)
    except ImageRefused as exc:
        raise OcrError(str(exc)) from exc


def _too_large(number: int, refused: ImageTooLarge) -> OcrError:
    text = str(refused)
    return OcrError(f"Trang {number}: {text[:1].lower()}{text[1:]}")


def inspect(path: Path, *, declared_name: str = "") -> SourceInfo:
    """Step 1: what the file is and how many pages it has."""
    kind = sniff(path)
    if kind is None:
        suffix = Path(declared_name or path.name).suffix.lower()
        if suffix == ".pdf":
            raise OcrError(
                "Tệp có đuôi .pdf nhưng nội dung không phải PDF (có thể là tệp khác bị đổi tên)."
            )
        raise OcrError("Định dạng tệp không được hỗ trợ: chỉ nhận PDF, TIFF, JPEG, PNG.")
    if kind == KIND_PDF:
        try:
            with pikepdf.open(path) as pdf:
                pages = len(pdf.pages)
                signed = _is_signed(pdf)
        except pikepdf.PasswordError as exc:
            raise OcrError(
                "Tệp PDF có mật khẩu, không mở được. Hãy gỡ mật khẩu trước khi tải lên."
            ) from exc
        except (pikepdf.PdfError, OSError, RecursionError) as exc:
            raise OcrError("Tệp PDF bị hỏng hoặc bị cắt cụt, không đọc được.") from exc
        if pages == 0:
            raise OcrError("Tệp PDF không có trang nào.")
        return SourceInfo(path, kind, pages, signed)
    image = _open_image(path)
    try:
        pages = getattr(image, "n_frames", 1)
    finally:
        image.close()
    return SourceInfo(path, kind, pages)


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    acro = pdf.Root.get("/AcroForm")
    if acro is None:
        return False
    for field in acro.get("/Fields", []):
        if field.get("/FT") == "/Sig" and field.get("/V") is not None:
            return True
    return False


def page_image(
    info: SourceInfo, number: int, workdir: Path, *, dpi: int | None = None
) -> PageImage:
    """Step 2: page `number` (1-based), decoded once, greyscale, for the engine.

    A scanned PDF page that is one full-page image gives that image (its JPEG decoded
    straight to grey, at the scanner's resolution, never rendered); any other PDF page is
    rendered with pdftoppm. TIFF frames and JPEG/PNG files are decoded directly.

    A TIFF frame is checked for size on its own (the file was checked whole when it was
    inspected; an oversized frame says so, "quá lớn", not "damaged"), and the hash of its
    pixels is taken from this decode (`PageImage.content_hash`).
    """
    dpi = dpi or int(getattr(settings, "OCR_DPI", 300))
    if info.kind == KIND_PDF:
        extracted = _extract_scan_image(info.path, number)
        if extracted is not None:
            return extracted
        workdir.mkdir(parents=True, exist_ok=True)
        return _render_pdf_page(info.path, number, workdir, dpi)
    tiff = info.kind == KIND_TIFF
    image = _open_image(info.path, every_frame=not tiff)
    content_hash, frame = "", None
    try:
        if tiff:
            image.seek(number - 1)
            check_frame(image, max_pixels())
            pixels = image.tobytes()
            content_hash = frame_hash(image, pixels)
            frame = pdfpage.DecodedFrame(
                dict(getattr(image, "tag_v2", {}) or {}),
                image.mode,
                image.size,
                pixels if image.mode in ("1", "L", "RGB") else b"",
            )
        elif image.format == "JPEG" and image.mode in ("RGB", "YCbCr"):
            image.draft("L", image.size)  # libjpeg decodes the luma only
        image_dpi = _image_dpi(image, dpi)
        colour = image.mode not in ("1", "L", "LA", "I", "I;16", "F")
        grey = image.convert("L")
    except ImageTooLarge as exc:
        raise _too_large(number, exc) from exc
    except (EOFError, OSError, ValueError, SyntaxError) as exc:
        if tiff:
            raise OcrError(f"Trang {number} của tệp TIFF bị hỏng, không đọc được.") from exc
        raise OcrError("Tệp ảnh bị hỏng hoặc bị cắt cụt, không đọc được.") from exc
    finally:
        image.close()
    return PageImage(
        number,
        grey,
        image_dpi,
        from_pdf=False,
        colour=colour,
        content_hash=content_hash,
        frame=frame,
    )


def _image_dpi(image: Image.Image, default: int) -> int:
    value = image.info.get("dpi")
    try:
        dpi = int(round(float(value[0]))) if value else default
    except (TypeError, ValueError, IndexError):
        dpi = default
    return dpi if 70 <= dpi <= 1200 else default


def full_page_image(page: pikepdf.Page) -> pikepdf.Stream | None:
    """The image of a scanned PDF page: the page draws one image over the whole page (one
    `cm` the size of the page, one `Do`) and nothing else; None for any other page."""
    images = page.get_images()
    if len(images) != 1 or page.get("/Rotate", 0) not in (0, None):
        return None
    (image,) = images.values()
    if not isinstance(image, pikepdf.Stream) or any(
        key in image for key in ("/SMask", "/Mask", "/Decode", "/ImageMask")
    ):
        return None
    box = [float(v) for v in page.mediabox]
    drawn = 0
    try:
        for instruction in pikepdf.parse_content_stream(page):
            if not isinstance(instruction, pikepdf.ContentStreamInstruction):
                return None  # an inline image
            operands, name = instruction.operands, str(instruction.operator)
            if name == "cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                if (
                    abs(a - (box[2] - box[0])) > 1
                    or abs(d - (box[3] - box[1])) > 1
                    or abs(b) > 0.01
                    or abs(c) > 0.01
                    or abs(e - box[0]) > 1
                    or abs(f - box[1]) > 1
                ):
                    return None
            elif name == "Do":
                drawn += 1
            elif name not in ("q", "Q"):
                return None
    except (pikepdf.PdfError, ValueError, TypeError):
        return None
    return image if drawn == 1 else None


def decode_pdf_image(
    image: pikepdf.Stream, *, mode: str = "L", size: tuple[int, int] | None = None
) -> Image.Image:
    """The pixels of a PDF image in `mode`; a JPEG (DCT) is decoded by libjpeg straight to
    that mode ("L": the luma only) and, given a `size`, at the smallest of its scales
    (1/2, 1/4, 1/8) that still covers it."""
    filters = image.get("/Filter")
    if filters == pikepdf.Name.DCTDecode or (
        isinstance(filters, pikepdf.Array) and list(filters) == [pikepdf.Name.DCTDecode]
    ):
        decoded: Image.Image = Image.open(io.BytesIO(image.read_raw_bytes()))
        if decoded.mode in ("RGB", "YCbCr", "L"):
            decoded.draft(mode if decoded.mode != "L" else "L", size or decoded.size)
        decoded.load()
    else:
        decoded = pikepdf.PdfImage(image).as_pil_image()
    if decoded.mode != mode and not (mode == "RGB" and decoded.mode == "L"):
        decoded = decoded.convert(mode)
    return decoded


def _extract_scan_image(path: Path, number: int) -> PageImage | None:
    try:
        with pikepdf.open(path) as pdf:
            page = pdf.pages[number - 1]
            image = full_page_image(page)
            if image is None:
                return None
            width, height = int(image.Width), int(image.Height)
            if width * height > max_pixels():
                raise _too_large(number, ImageTooLarge(width * height, max_pixels()))
            box = page.mediabox
            width_pt = float(box[2]) - float(box[0])
            dpi = int(round(width / (width_pt / 72))) if width_pt > 0 else 0
            if not 70 <= dpi <= 1200:
                return None
            space = image.get("/ColorSpace")
            colour = not (
                space == pikepdf.Name.DeviceGray
                or int(image.get("/BitsPerComponent", 8)) == 1
                or (
                    isinstance(space, pikepdf.Array)
                    and len(space) == 2
                    and space[0] == pikepdf.Name.ICCBased
                    and int(space[1].get("/N", 3)) == 1
                )
            )
            try:
                grey = decode_pdf_image(image)
            except (OSError, ValueError, SyntaxError, pikepdf.PdfError) as exc:
                raise OcrError(
                    f"Trang {number}: ảnh quét của trang bị hỏng, không đọc được."
                ) from exc
            return PageImage(number, grey, dpi, from_pdf=True, colour=colour)
    except OcrError:
        raise
    except Exception:  # any oddity: fall back to rendering the page
        return None


# A page whose text is its own (born digital) is read from the PDF, not recognised: these
# are the least words and the least share of readable characters that trust its text.
OWN_TEXT_MIN_WORDS = 5
OWN_TEXT_MIN_READABLE = 0.9
# An image this large on a page makes it a scan (its text may be in the image).
SCAN_IMAGE_PIXELS = 1_000_000


def own_text(path: Path, number: int) -> PageText | None:
    """The text and word boxes of a born-digital PDF page (text drawn with fonts, no large
    image), from the PDF itself (poppler's `pdftotext -bbox-layout`): exact, and about a
    hundredth of the cost of recognising the page. None for a scanned page, a page without
    text, or text whose characters do not map to Unicode (a font without ToUnicode)."""
    try:
        with pikepdf.open(path) as pdf:
            page = pdf.pages[number - 1]
            for image in page.get_images().values():
                if int(image.get("/Width", 0)) * int(image.get("/Height", 0)) >= SCAN_IMAGE_PIXELS:
                    return None
            has_text = any(
                isinstance(i, pikepdf.ContentStreamInstruction)
                for i in pikepdf.parse_content_stream(page, "Tj TJ ' \"")
            )
    except (pikepdf.PdfError, IndexError, ValueError, TypeError):
        return None
    if not has_text:
        return None
    proc = subprocess.run(  # noqa: S603
        ["pdftotext", "-f", str(number), "-l", str(number), "-bbox-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        return None
    try:
        root = ElementTree.fromstring(proc.stdout)  # noqa: S314  (poppler's own output)
    except ElementTree.ParseError:
        return None
    spaces = {"x": "http://www.w3.org/1999/xhtml"}
    sheet = root.find(".//x:page", spaces)
    if sheet is None:
        return None
    width, height = float(sheet.get("width", 0)), float(sheet.get("height", 0))
    if width <= 0 or height <= 0:
        return None
    words: list[Word] = []
    lines: list[str] = []
    for block in sheet.iterfind(".//x:block", spaces):
        for line in block.iterfind("x:line", spaces):
            texts = []
            for word in line.iterfind("x:word", spaces):
                text = (word.text or "").strip()
                if not text:
                    continue
                texts.append(text)
                words.append(
                    Word(
                        text,
                        float(word.get("xMin", 0)) / width,
                        float(word.get("yMin", 0)) / height,
                        float(word.get("xMax", 0)) / width,
                        float(word.get("yMax", 0)) / height,
                        100.0,
                    )
                )
            if texts:
                lines.append(" ".join(texts))
        lines.append("")
    characters = "".join(w.text for w in words)
    readable = sum(1 for c in characters if c.isprintable() and c != "\ufffd")
    if len(words) < OWN_TEXT_MIN_WORDS or readable < OWN_TEXT_MIN_READABLE * len(characters):
        return None
    return PageText(
        number=number,
        text="\n".join(lines).strip(),
        words=words,
        confidence=100.0,
        width_px=round(width),
        height_px=round(height),
    )


def _render_pdf_page(path: Path, number: int, workdir: Path, dpi: int) -> PageImage:
    try:
        with pikepdf.open(path) as pdf:
            box = pdf.pages[number - 1].mediabox
            w_pt, h_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    except (pikepdf.PdfError, IndexError) as exc:
        raise OcrError(f"Trang {number} của tệp PDF bị hỏng, không đọc được.") from exc
    if (w_pt / 72 * dpi) * (h_pt / 72 * dpi) > max_pixels():
        raise OcrError(f"Trang {number}: khổ trang quá lớn để nhận dạng ở {dpi} dpi.")
    out_base = workdir / f"render-{number:05d}"
    proc = subprocess.run(  # noqa: S603  (constant argv and our own paths)
        [  # noqa: S607  (poppler's pdftoppm, a Debian tool on PATH)
            "pdftoppm",
            "-f",
            str(number),
            "-l",
            str(number),
            "-r",
            str(dpi),
            "-gray",
            "-singlefile",
            str(path),
            str(out_base),
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    out = out_base.with_suffix(".pgm")
    if proc.returncode != 0 or not out.exists():
        raise OcrError(f"Trang {number} của tệp PDF bị hỏng, không dựng được ảnh trang.")
    with Image.open(out) as rendered:
        grey = rendered.convert("L")
    out.unlink(missing_ok=True)
    return PageImage(number, grey, dpi, from_pdf=True)


@dataclass
class Sheet:
    """One page of a searchable copy: Tesseract's PDF page of it, laid over the page
    `number` of the PDF `source` (the scan as uploaded, untouched), or on its own when
    it carries the image too (image files), turned `rotation` degrees clockwise for
    readers (`/Rotate`; the content is not changed)."""

    layer: bytes | Path | None
    source: Path | None = None
    number: int = 0
    rotation: int = 0


def sheets_for(info: SourceInfo, pages: list[PageText]) -> list[Sheet]:
    """The sheets of a file read by `extract_pages`: every page of a PDF (a page that could
    not be read keeps its original without text), the pages read of an image file."""
    by_number = {p.number: p for p in pages}
    if info.kind == KIND_PDF:
        return [
            Sheet(
                by_number[n].pdf if n in by_number else None,
                info.path,
                n,
                by_number[n].rotation if n in by_number else 0,
            )
            for n in range(1, info.pages + 1)
        ]
    return [
        Sheet(by_number[n].pdf, None, n, by_number[n].rotation)
        for n in sorted(by_number)
        if by_number[n].pdf
    ]


def _open_layer(layer: bytes | Path | None) -> pikepdf.Pdf | None:
    if layer is None:
        return None
    try:
        if isinstance(layer, bytes | bytearray):
            return pikepdf.open(io.BytesIO(layer))
        return pikepdf.open(layer) if Path(layer).exists() else None
    except (pikepdf.PdfError, OSError):
        return None


def assemble(sheets: list[Sheet], out: Path, *, pdfa: bool = True) -> bool:
    """Steps 4-5: the searchable PDF of a whole file; True when it is PDF/A-2b.

    A copy made only of scans and Tesseract's text layers is made PDF/A-2b directly
    (`ocr.pdfa`: output intent and XMP metadata, after checking every object); any other
    goes through Ghostscript. When Ghostscript refuses a file the plain copy is kept.
    Signature fields are stripped from the copy (the original keeps its signature).
    """
    result = pikepdf.new()
    opened: dict[Path, pikepdf.Pdf] = {}
    layers: list[pikepdf.Pdf] = []  # kept open until the result is saved
    plain: Path | None = None
    try:
        for sheet in sheets:
            layer = _open_layer(sheet.layer)
            if layer is not None:
                layers.append(layer)
            if sheet.source is not None:
                try:
                    source = opened.get(sheet.source)
                    if source is None:
                        source = opened[sheet.source] = pikepdf.open(sheet.source)
                    result.pages.append(source.pages[sheet.number - 1])
                except (pikepdf.PdfError, OSError, IndexError) as exc:
                    raise OcrError(
                        f"Trang {sheet.number} của tệp PDF gốc không đọc được để tạo bản tìm "
                        "kiếm được."
                    ) from exc
                if layer is not None:
                    target = result.pages[-1]
                    with contextlib.suppress(pikepdf.PdfError):
                        target.add_overlay(
                            layer.pages[0], pikepdf.Rectangle(*[float(v) for v in target.mediabox])
                        )
            elif layer is not None:
                result.pages.append(layer.pages[0])
            else:
                continue
            if sheet.rotation:
                target = result.pages[-1]
                target.obj.Rotate = (int(target.obj.get("/Rotate", 0)) + sheet.rotation) % 360
        if not len(result.pages):
            raise OcrError("Không có trang nào đọc được để tạo bản PDF tìm kiếm được.")
        _strip_signatures(result)
        if not pdfa:
            result.save(out)
            return False
        reason = pdfa_writer.why_not_native(result)
        if not reason:
            pdfa_writer.finish(result)
            result.save(out)
            return True
        log.info("searchable copy %s goes through Ghostscript for PDF/A: %s", out.name, reason)
        plain = out.with_name(out.name + ".plain.pdf")
        result.save(plain)
    finally:
        for doc in [*layers, *opened.values()]:
            doc.close()
    if pdfa_writer.ghostscript(plain, out):
        plain.unlink(missing_ok=True)
        return True
    plain.replace(out)
    return False


def _strip_signatures(pdf: pikepdf.Pdf) -> None:
    """The searchable copy is a new file: a signature copied into it would be
    reported as broken, so the copy carries none (the original keeps it)."""
    if "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]
    for page in pdf.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots if a.get("/FT") != "/Sig"]
        if kept:
            page["/Annots"] = pikepdf.Array(kept)
        else:
            del page["/Annots"]
