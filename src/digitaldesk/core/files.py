"""File names given by users, made safe to store and to show (docs/security-sections/files.md).

    name = safe_file_name(upload.name, default="van-ban")   # UnsafeFileName for "x.exe"

The name is only ever a label (storage names are hashes or random ids, see
core/storage.py), but it is shown on pages, written in audit records, sent back in
Content-Disposition and saved by the browser under that name. So:

1. only the last path part is kept ("../../etc/passwd", "C:\\Users\\a\\b.pdf");
2. control and invisible format characters go (NUL, CR/LF, the right-to-left override
   that turns "hoso\\u202Efdp.exe" into "hosoexe.pdf" on screen, zero-width spaces),
   as do the characters Windows cannot save (<>:"|?*);
3. leading and trailing dots and spaces go, the length is capped (200 characters,
   the extension kept);
4. an executable extension (.exe, .bat, .js, .lnk…) is refused with a Vietnamese
   message (strict, at upload), or defused to "x_exe" (not strict: names the desk
   makes itself from other names).
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 200
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "mst",
        "dll",
        "cpl",
        "sys",
        "drv",
        "ocx",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "ws",
        "ps1",
        "psm1",
        "psd1",
        "hta",
        "jar",
        "lnk",
        "reg",
        "inf",
        "sct",
        "url",
        "application",
        "appref-ms",
        "gadget",
        "msc",
        "sh",
        "bash",
        "csh",
        "ksh",
        "zsh",
        "run",
        "elf",
        "app",
        "apk",
        "deb",
        "rpm",
        "dmg",
        "pkg",
        "py",
        "pyw",
        "pl",
        "rb",
        "php",
        "html",
        "htm",
        "xhtml",
        "svg",
        "xht",
        "mht",
        "mhtml",
        "chm",
        "iso",
        "img",
        "vhd",
        "vhdx",
    }
)
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


class UnsafeFileName(ValueError):
    """A file name the desk will not take; the message is for the user (Vietnamese)."""


def _visible(char: str) -> bool:
    # Cc: control characters; Cf: invisible format characters (bidi overrides, zero-width).
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")


def extension_of(name: str) -> str:
    """ "Tờ trình.PDF" -> "pdf"; "" when there is none."""
    stem, dot, suffix = name.rpartition(".")
    return suffix.lower() if dot and stem else ""


def safe_file_name(name: str | None, *, default: str, strict: bool = True) -> str:
    """The name of an uploaded file, safe to store and show (see the module docstring).
    Raises UnsafeFileName for an executable extension when `strict`."""
    raw = unicodedata.normalize("NFC", str(name or ""))
    raw = "".join(c if _visible(c) else "" for c in raw)
    last = re.split(r"[/\\]+", raw)[-1]
    last = _WINDOWS_RESERVED.sub("-", " ".join(last.split())).strip(" .")
    if not last:
        return default
    suffix = extension_of(last)
    if suffix in EXECUTABLE_EXTENSIONS:
        if strict:
            raise UnsafeFileName(
                f"Tệp “{last[:100]}” có đuôi .{suffix} (tệp chạy được/chứa mã lệnh) nên bị từ "
                "chối để bảo đảm an toàn thông tin. Bàn làm việc số nhận văn bản PDF, DOCX "
                "hoặc ảnh quét PNG/JPEG/TIFF."
            )
        last = f"{last[: -len(suffix) - 1]}_{suffix}"
        suffix = ""
    if len(last) > MAX_NAME_CHARS:
        keep = f".{suffix}" if suffix and len(suffix) <= 10 else ""
        last = last[: MAX_NAME_CHARS - len(keep)].rstrip(" .") + keep
    return last or default
