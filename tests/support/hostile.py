"""Hostile files made on the fly: a DOCX decompression bomb, a 30000 × 30000 PNG of a few
bytes, a PDF of 2,000 blank pages. Each is small on disk and huge once opened."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

PARAGRAPH = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
_DOCUMENT_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body>"
)
_DOCUMENT_TAIL = b"</w:body></w:document>"


def docx_bomb(inflated_bytes: int = 120 * 1024 * 1024) -> bytes:
    """A DOCX whose word/document.xml inflates to `inflated_bytes` of paragraphs, written
    as a stream (the test never holds the inflated text), compressed about 1000:1."""
    from tests.documents.conftest import make_docx

    template = zipfile.ZipFile(io.BytesIO(make_docx(["Văn bản"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in template.infolist():
            if item.filename == "word/document.xml":
                continue
            target.writestr(item.filename, template.read(item.filename))
        block = PARAGRAPH * (1024 * 1024 // len(PARAGRAPH))
        with target.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(_DOCUMENT_HEAD)
            written = 0
            while written < inflated_bytes:
                member.write(block)
                written += len(block)
            member.write(_DOCUMENT_TAIL)
    return out.getvalue()


def lying_zip(real_bytes: int = 5 * 1024 * 1024, declared_bytes: int = 1000) -> bytes:
    """A ZIP whose only member says it holds `declared_bytes` but inflates to `real_bytes`
    (both the local and the central header lie)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"a" * real_bytes)
    data = bytearray(out.getvalue())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared_bytes)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared_bytes)
    return bytes(data)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG header announcing width × height 1-bit pixels, with the first rows of data only:
    what an attacker sends (a few hundred bytes; 900 million pixels when decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def blank_pdf(pages: int = 2000) -> bytes:
    """A PDF of `pages` blank A4 pages sharing one content stream (a few hundred KB)."""
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def processes_carrying(marker: str | Path) -> list[str]:
    """Command lines of the live processes of this machine that mention `marker` (a test's
    own directory): what a test checks to prove no tool it started is still running."""
    found = []
    needle = str(marker).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if needle in cmdline and state != "Z":
            found.append(cmdline.replace(b"\x00", b" ").decode("utf-8", "replace"))
    return found
