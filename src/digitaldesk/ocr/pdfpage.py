"""PDF pages of the searchable copy, written by the desk from what the OCR read
(docs/ocr.md, "Searchable PDF/A").

`text_layer` is the invisible text of a page, one run of text per word on the word's box,
in the glyph-less font Tesseract ships for the purpose (`pdf.ttf`: every glyph blank, half
an em wide), the way Tesseract's own PDF renderer writes it; written here from the word
boxes, so Tesseract is asked for its text and boxes only.

`image_page` is the page of an image file (JPEG, PNG, a TIFF frame): the stored scan's own
bytes wherever PDF can carry them (a JPEG's DCT stream, a PNG's zlib data with its row
predictors, a TIFF frame's CCITT G4 data), other images losslessly (Flate), under the text
layer. The scan is never decoded and encoded again into the copy.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image

from digitaldesk.ocr.engines import PageText

_FONT_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata/pdf.ttf",
    "/usr/share/tesseract-ocr/4.00/tessdata/pdf.ttf",
    "/usr/share/tessdata/pdf.ttf",
)
FONT_NAME = "/GlyphLessFont"
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identify-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


@functools.cache
def _font_program() -> bytes:
    for candidate in _FONT_CANDIDATES:
        path = Path(candidate)
        if path.exists():
            return path.read_bytes()
    raise FileNotFoundError("pdf.ttf of Tesseract (package tesseract-ocr) not found")


@functools.cache
def _cid_to_gid() -> bytes:
    # Every code (the character's UTF-16 unit) draws glyph 1, the font's one blank glyph.
    return zlib.compress(b"\x00\x01" * 65536, 9)


def _font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    program = _font_program()
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name(FONT_NAME),
        Flags=5,
        FontBBox=pikepdf.Array([0, 0, 500, 1000]),
        ItalicAngle=0,
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=pdf.make_stream(zlib.compress(program), Filter=pikepdf.Name.FlateDecode),
    )
    descriptor.FontFile2.Length1 = len(program)
    cid_map = pdf.make_stream(b"")
    cid_map.write(_cid_to_gid(), filter=pikepdf.Name.FlateDecode)
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name(FONT_NAME),
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=500,
        CIDToGIDMap=cid_map,
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name(FONT_NAME),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([pdf.make_indirect(cid_font)]),
            ToUnicode=pdf.make_stream(_TO_UNICODE),
        )
    )


def text_operators(page: PageText, width_pt: float, height_pt: float) -> bytes:
    """The content stream of the invisible text of `page` on a page of that size (points):
    each word on its box (fractions of the image), turned with the page as it was fed."""
    out = ["BT 3 Tr"]
    turn = page.rotation
    for word in page.words:
        text = word.text.strip()
        if not text:
            continue
        units = len(text.encode("utf-16-be")) // 2
        x0, x1 = word.x0 * width_pt, word.x1 * width_pt
        top, bottom = height_pt * (1 - word.y0), height_pt * (1 - word.y1)
        if turn in (90, 270):
            size, length = x1 - x0, top - bottom
        else:
            size, length = top - bottom, x1 - x0
        if size <= 0 or length <= 0:
            continue
        scale = 100 * length / (units * 0.5 * size)
        if turn == 270:  # fed a quarter turn clockwise: the words run down the image
            matrix = f"0 -1 1 0 {x0:.2f} {top:.2f}"
        elif turn == 90:  # a quarter turn counter-clockwise: the words run up
            matrix = f"0 1 -1 0 {x1:.2f} {bottom:.2f}"
        elif turn == 180:
            matrix = f"-1 0 0 -1 {x1:.2f} {top:.2f}"
        else:
            matrix = f"1 0 0 1 {x0:.2f} {bottom:.2f}"
        code = (text + " ").encode("utf-16-be").hex()
        out.append(f"/F1 {size:.2f} Tf {scale:.2f} Tz {matrix} Tm <{code}> Tj")
    out.append("ET")
    return ("\n".join(out) + "\n").encode()


def _size_pt(page: PageText, dpi: int) -> tuple[float, float]:
    return page.width_px * 72 / dpi, page.height_px * 72 / dpi


def text_layer(page: PageText, dpi: int) -> bytes:
    """A one-page PDF holding only the invisible text of `page`, the size of its image at
    `dpi`: laid over the original page of a scanned PDF by `pipeline.assemble`."""
    width_pt, height_pt = _size_pt(page, dpi)
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(width_pt, height_pt))
    target = pdf.pages[0]
    target.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=_font(pdf)))
    target.obj.Contents = pdf.make_stream(
        zlib.compress(text_operators(page, width_pt, height_pt), 6),
        Filter=pikepdf.Name.FlateDecode,
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- the stored scan's own bytes as a PDF image -----------------------------------------
def _png_stream(pdf: pikepdf.Pdf, path: Path) -> pikepdf.Stream | None:
    """A PNG's zlib data as it is (PDF's Flate with the PNG predictors reads it), for an
    8-bit grey or RGB (or 1-bit grey) image without interlace or transparency."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind in (b"tRNS", b"PLTE"):
            return None
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None or not idat:
        return None
    width, height, bits, colour, _compression, _filter, interlace = header
    if interlace or colour not in (0, 2) or bits not in ((1, 8) if colour == 0 else (8,)):
        return None
    colours = 1 if colour == 0 else 3
    return pdf.make_stream(
        b"".join(idat),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        BitsPerComponent=bits,
        ColorSpace=pikepdf.Name.DeviceGray if colours == 1 else pikepdf.Name.DeviceRGB,
        Filter=pikepdf.Name.FlateDecode,
        DecodeParms=pikepdf.Dictionary(
            Predictor=15, Colors=colours, BitsPerComponent=bits, Columns=width
        ),
    )


@dataclass
class DecodedFrame:
    """A TIFF frame as the OCR decoded it (`pipeline.page_image`): its tags, and its pixels as
    stored (`Image.tobytes()`: packed bits for a bilevel frame) when PDF takes them as they are
    (modes 1, L, RGB). The searchable copy is made from these, the file not parsed again."""

    tags: dict[int, Any]
    mode: str
    size: tuple[int, int]
    pixels: bytes = b""


def _g4_strips(pdf: pikepdf.Pdf, path: Path, tags: Any) -> list[pikepdf.Stream] | None:
    """A TIFF frame's CCITT G4 data as it is, when the frame is one strip (as document
    scanners write it); None for any other frame. `tags`: the frame's TIFF tags (Pillow's
    `tag_v2`, or the copy the OCR took when it decoded the frame)."""
    if not tags or tags.get(259) != 4 or tags.get(266, 1) != 1:  # G4, usual bit order
        return None
    offsets, counts = tags.get(273), tags.get(279)
    width, height = int(tags.get(256, 0) or 0), int(tags.get(257, 0) or 0)
    if width <= 0 or height <= 0:
        return None
    rows = int(tags.get(278, height) or height)
    if not offsets or not counts or len(offsets) != len(counts) or rows <= 0:
        return None
    if len(offsets) != 1:
        # Strips drawn one under the other show seams in anti-aliasing readers, and G4
        # strips cannot be joined without coding them again: such a frame goes losslessly.
        return None
    strips = []
    with path.open("rb") as fh:
        for index, (offset, count) in enumerate(zip(offsets, counts, strict=True)):
            fh.seek(int(offset))
            strip_rows = min(rows, height - index * rows)
            strips.append(
                pdf.make_stream(
                    fh.read(int(count)),
                    Type=pikepdf.Name.XObject,
                    Subtype=pikepdf.Name.Image,
                    Width=width,
                    Height=strip_rows,
                    BitsPerComponent=1,
                    ColorSpace=pikepdf.Name.DeviceGray,
                    Filter=pikepdf.Name.CCITTFaxDecode,
                    DecodeParms=pikepdf.Dictionary(
                        K=-1,
                        Columns=width,
                        Rows=strip_rows,
                        BlackIs1=int(tags.get(262, 0)) == 1,
                    ),
                )
            )
    return strips


def _flate_stream(pdf: pikepdf.Pdf, image: Image.Image) -> pikepdf.Stream:
    pixels = (
        image
        if image.mode in ("1", "L", "RGB")
        else image.convert("L" if image.mode in ("LA", "I", "I;16", "F") else "RGB")
    )
    return _flate_pixels(pdf, pixels.mode, pixels.size, pixels.tobytes())


def _flate_pixels(
    pdf: pikepdf.Pdf, mode: str, size: tuple[int, int], data: bytes
) -> pikepdf.Stream:
    """Raw pixels of mode 1, L or RGB (Pillow's `tobytes()`) as a lossless PDF image."""
    return pdf.make_stream(
        zlib.compress(data, 6),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=size[0],
        Height=size[1],
        BitsPerComponent=1 if mode == "1" else 8,
        ColorSpace=pikepdf.Name.DeviceRGB if mode == "RGB" else pikepdf.Name.DeviceGray,
        Filter=pikepdf.Name.FlateDecode,
    )


def original_image(
    pdf: pikepdf.Pdf, path: Path, frame_number: int = 1, frame: DecodedFrame | None = None
) -> list[pikepdf.Stream]:
    """The image file's page `frame_number` as PDF images (top to bottom: one, or a G4 TIFF's
    strips), its own bytes when PDF can take them as they are (JPEG, PNG, TIFF G4), else its
    pixels losslessly. `frame`: the TIFF frame as the OCR decoded it: a one-strip G4 frame's
    data is then read straight from the file, any other frame's pixels taken from the decode
    (the file is not parsed nor the frame decoded again)."""
    if frame is not None:
        strips = _g4_strips(pdf, path, frame.tags)
        if strips is not None:
            return strips
        if frame.pixels and frame.mode in ("1", "L", "RGB"):
            return [_flate_pixels(pdf, frame.mode, frame.size, frame.pixels)]
    with Image.open(path) as image:
        if image.format == "JPEG" and image.mode in ("L", "RGB"):
            return [
                pdf.make_stream(
                    path.read_bytes(),
                    Type=pikepdf.Name.XObject,
                    Subtype=pikepdf.Name.Image,
                    Width=image.width,
                    Height=image.height,
                    BitsPerComponent=8,
                    ColorSpace=pikepdf.Name.DeviceRGB
                    if image.mode == "RGB"
                    else pikepdf.Name.DeviceGray,
                    Filter=pikepdf.Name.DCTDecode,
                )
            ]
        if image.format == "PNG":
            stream = _png_stream(pdf, path)
            if stream is not None:
                return [stream]
        if image.format == "TIFF":
            image.seek(frame_number - 1)
            strips = _g4_strips(pdf, path, getattr(image, "tag_v2", None))
            if strips is not None:
                return strips
        image.load()
        return [_flate_stream(pdf, image)]


def image_page(
    path: Path,
    frame_number: int,
    dpi: int,
    layer: bytes | None,
    page: PageText | None = None,
    frame: DecodedFrame | None = None,
) -> bytes:
    """One PDF page showing the image file's page as stored with the text over it: the text
    of `page` written on it, or the one-page PDF `layer` laid over it (`frame`: see
    `original_image`)."""
    pdf = pikepdf.new()
    parts = original_image(pdf, path, frame_number, frame)
    width_px, height_px = int(parts[0].Width), sum(int(p.Height) for p in parts)
    width_pt, height_pt = width_px * 72 / dpi, height_px * 72 / dpi
    drawn, top = [], 0
    for index, part in enumerate(parts):
        rows = int(part.Height)
        bottom_pt = (height_px - top - rows) * 72 / dpi
        drawn.append(
            f"q {width_pt:.4f} 0 0 {rows * 72 / dpi:.4f} 0 {bottom_pt:.4f} cm /Im{index} Do Q"
        )
        top += rows
    content = ("\n".join(drawn) + "\n").encode()
    resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary({f"/Im{i}": part for i, part in enumerate(parts)})
    )
    if page is not None and layer is None:
        resources.Font = pikepdf.Dictionary(F1=_font(pdf))
        content += text_operators(page, width_pt, height_pt)
    pdf.pages.append(
        pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, width_pt, height_pt]),
                Resources=resources,
                Contents=pdf.make_stream(
                    zlib.compress(content, 6), Filter=pikepdf.Name.FlateDecode
                ),
            )
        )
    )
    out = io.BytesIO()
    if layer is not None:
        with pikepdf.open(io.BytesIO(layer)) as text:
            pdf.pages[0].add_overlay(text.pages[0], pikepdf.Rectangle(0, 0, width_pt, height_pt))
            pdf.save(out)
    else:
        pdf.save(out)
    return out.getvalue()
