"""Checks on ZIP containers (DOCX, XLSX, ODT, any .zip) before anything opens them.

    check_zip_archive(data)      # ArchiveRefused with a Vietnamese reason

A 242 KB DOCX can hold a word/document.xml of hundreds of megabytes: python-docx,
LibreOffice and text extraction would all inflate it. Every member is checked
twice (docs/security-sections/files.md):

1. declared: the central directory's uncompressed sizes (each member, the total)
   and the compression ratio of every member big enough to matter;
2. real: each member is inflated as a stream, in chunks, counting the bytes and
   stopping at the cap. A member whose header lies about its size is caught here
   (Python stops at the declared size and the CRC no longer matches), and so is
   a damaged stream.

Nothing is kept in memory but one chunk at a time.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CHUNK_BYTES = 256 * 1024
MAX_MEMBERS = 5000
# Small parts ([Content_Types].xml, styles) compress far better than 100:1 without harm;
# the ratio is judged only on members past this size.
RATIO_FLOOR_BYTES = 1024 * 1024


class ArchiveRefused(ValueError):
    """An archive the desk will not open; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class ArchiveLimits:
    total_bytes: int
    member_bytes: int
    ratio: int

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        return cls(
            total_bytes=int(settings.DESK_ARCHIVE_MAX_BYTES),
            member_bytes=int(settings.DESK_ARCHIVE_MAX_MEMBER_BYTES),
            ratio=int(settings.DESK_ARCHIVE_MAX_RATIO),
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB".replace(",", ".")


def _bomb(detail: str) -> ArchiveRefused:
    return ArchiveRefused(
        f"Tệp nén (DOCX/XLSX/ODT/ZIP) bị từ chối: {detail}. Tệp có dấu hiệu “bom giải nén” "
        "nên không được mở. Vui lòng lưu lại tệp từ Word/LibreOffice, hoặc xuất ra PDF rồi "
        "tải lên lại."
    )


def check_zip_archive(source: bytes | Path, *, limits: ArchiveLimits | None = None) -> list[str]:
    """Check a ZIP container; return its member names. Raises ArchiveRefused.

    A damaged archive (not a ZIP, a broken stream, a wrong CRC) is refused too, with
    its own message: the callers open it only after this check.
    """
    limits = limits or ArchiveLimits.from_settings()
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(
            "Tệp nén bị hỏng, không mở được. Vui lòng lưu lại tệp rồi tải lên lại."
        ) from exc
    with archive:
        infos = archive.infolist()
        # Step 1: what the archive declares.
        if len(infos) > MAX_MEMBERS:
            raise _bomb(f"có {len(infos)} thành phần (tối đa {MAX_MEMBERS})")
        declared_total = 0
        for info in infos:
            declared_total += info.file_size
            if info.file_size > limits.member_bytes:
                raise _bomb(
                    f"thành phần “{info.filename[:80]}” giải nén ra {_mb(info.file_size)} "
                    f"(tối đa {_mb(limits.member_bytes)})"
                )
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.ratio * max(
                info.compress_size, 1
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                raise _bomb(
                    f"thành phần “{info.filename[:80]}” nén với tỉ lệ {ratio}:1 "
                    f"(tối đa {limits.ratio}:1)"
                )
        if declared_total > limits.total_bytes:
            raise _bomb(
                f"tổng dung lượng giải nén {_mb(declared_total)} (tối đa {_mb(limits.total_bytes)})"
            )
        # Step 2: what the members really inflate to, streamed and capped.
        real_total = 0
        for info in infos:
            if info.is_dir():
                continue
            real = 0
            try:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK_BYTES):
                        real += len(chunk)
                        real_total += len(chunk)
                        if real > limits.member_bytes or real > info.file_size:
                            raise _bomb(
                                f"thành phần “{info.filename[:80]}” giải nén ra nhiều hơn "
                                "kích thước khai báo"
                            )
                        if real_total > limits.total_bytes:
                            raise _bomb(f"tổng dung lượng giải nén vượt {_mb(limits.total_bytes)}")
            except ArchiveRefused:
                raise
            except (
                zipfile.BadZipFile,
                OSError,
                EOFError,
                ValueError,
                NotImplementedError,
                RuntimeError,
            ) as exc:
                # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
                raise ArchiveRefused(
                    f"Tệp nén bị hỏng hoặc được mã hóa (thành phần “{info.filename[:80]}” "
                    "không giải nén được). Vui lòng lưu lại tệp rồi tải lên lại."
                ) from exc
        return [info.filename for info in infos]
