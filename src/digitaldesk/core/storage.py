"""Files of the desk, stored through Django's default storage (see docs/storage.md).

Local files in the embedded default (DESK_DATA_DIR/media), an S3-compatible object
store in production (DESK_STORAGE=s3). Two helpers every app uses:

    stored = store_upload(request.FILES["tep"], "van-ban")   # size limit + sha256
    document.file_name, document.sha256 = stored, stored.sha256

    return stream_file_response(document.file_name, "Quyết định 12.pdf", "application/pdf")

Files are never served from a public URL: a view checks the permission on the
record (the gate function of its app), audits the read, then streams the file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone

CHUNK_BYTES = 256 * 1024
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class UploadRejected(ValidationError):
    """A file the desk will not store; the message is for the user (Vietnamese)."""


class StoredName(str):
    """The storage name of a saved file (use it like a string), with its size in
    bytes and its SHA-256 (hex) as attributes."""

    size: int
    sha256: str

    def __new__(cls, name: str, *, size: int, sha256: str) -> StoredName:
        value = super().__new__(cls, name)
        value.size = size
        value.sha256 = sha256
        return value


def human_size(size: int) -> str:
    """1536 -> "1,5 KB" (Vietnamese decimal comma)."""
    value = float(size)
    for unit in ("byte", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.0f}" if unit == "byte" or value >= 100 else f"{value:.1f}"
            return f"{text.replace('.', ',')} {unit}"
        value /= 1024
    return f"{size} byte"


def _extension(filename: str) -> str:
    """The file's extension if it is a plain one (".pdf"), else none: the storage
    name never carries the user's file name (accents, path tricks, length)."""
    match = re.search(r"\.[^./\\]+$", filename or "")
    ext = match.group(0).lower() if match else ""
    return ext if _EXTENSION.match(ext) else ""


def _clean_prefix(prefix: str) -> str:
    parts = [p for p in re.split(r"[/\\]+", prefix) if p not in ("", ".", "..")]
    cleaned = "/".join(re.sub(r"[^a-zA-Z0-9_-]", "-", p) for p in parts)
    if not cleaned:
        raise ValueError("store_upload needs a non-empty prefix, e.g. 'van-ban'")
    return cleaned


def _measure(source: IO[bytes], limit: int) -> tuple[IO[bytes], int, str]:
    """Read the file once: its size (refusing past `limit`) and SHA-256. Returns a
    readable file positioned at its start (the same one if it can seek, else a
    spooled copy)."""
    digest = hashlib.sha256()
    size = 0
    seekable = hasattr(source, "seek") and getattr(source, "seekable", lambda: True)()
    copy: IO[bytes] | None = None
    if seekable:
        source.seek(0)
    else:
        copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        while chunk := source.read(CHUNK_BYTES):
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            size += len(chunk)
            if size > limit:
                raise UploadRejected(
                    f"Tệp quá lớn: vượt giới hạn {human_size(limit)}. Hãy chia nhỏ hoặc nén "
                    "tệp rồi tải lên lại.",
                    code="too_large",
                )
            digest.update(chunk)
            if copy is not None:
                copy.write(chunk)
    except BaseException:
        if copy is not None:
            copy.close()
        raise
    if copy is not None:
        copy.seek(0)
        return copy, size, digest.hexdigest()
    source.seek(0)
    return source, size, digest.hexdigest()


def store_upload(
    file: Any,
    prefix: str,
    *,
    max_bytes: int | None = None,
    allow_empty: bool = False,
    storage: Storage | None = None,
) -> StoredName:
    """Store an uploaded file under `prefix/YYYY/MM/<random>.<ext>`.

    1. Refuse it (UploadRejected, Vietnamese message) if it is empty or larger than
       `max_bytes` (default DESK_MAX_UPLOAD_BYTES) — before storing anything.
    2. Compute its SHA-256 while measuring it.
    3. Save it through the default storage (local or S3) and return the name, with
       `.size` and `.sha256`. Nothing is left behind if saving fails.
    """
    storage = storage or default_storage
    limit = settings.DESK_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise UploadRejected(
            f"Tệp quá lớn ({human_size(declared)}): vượt giới hạn {human_size(limit)}. "
            "Hãy chia nhỏ hoặc nén tệp rồi tải lên lại.",
            code="too_large",
        )
    raw: IO[bytes] = getattr(file, "file", None) or file  # Django's UploadedFile wraps a file
    readable, size, sha256 = _measure(raw, limit)
    if size == 0 and not allow_empty:
        raise UploadRejected(
            "Tệp rỗng (0 byte). Hãy kiểm tra lại tệp trước khi tải lên.", code="empty"
        )
    now = timezone.localtime()
    extension = _extension(getattr(file, "name", "") or "")
    name = f"{_clean_prefix(prefix)}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{extension}"
    try:
        saved = storage.save(name, File(readable, name=name))
    except BaseException:
        try:
            if storage.exists(name):
                storage.delete(name)
        except Exception:  # noqa: S110  (the original error is the one to report)
            pass
        raise
    finally:
        if readable is not raw:
            readable.close()
    return StoredName(saved, size=size, sha256=sha256)


def file_sha256(name: str, *, storage: Storage | None = None) -> str:
    """SHA-256 of a stored file, read in chunks (integrity checks, exports)."""
    storage = storage or default_storage
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _is_missing(exc: Exception) -> bool:
    """True for "no such file" from the local disk or from S3 (HTTP 404)."""
    if isinstance(exc, FileNotFoundError):
        return True
    response = getattr(exc, "response", None)  # botocore.exceptions.ClientError
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")
    return False


def _is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket") and hasattr(storage, "_normalize_name")


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """One byte range of `Range: bytes=a-b` as (start, end inclusive), or None."""
    match = _RANGE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    if start > end or start >= size:
        return None
    return start, end


def _s3_chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def _file_chunks(handle: IO[bytes], remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def stream_file_response(
    name: str,
    filename: str,
    content_type: str | None = None,
    *,
    as_attachment: bool = True,
    request: HttpRequest | None = None,
    storage: Storage | None = None,
) -> StreamingHttpResponse:
    """Stream a stored file to the browser, in chunks, never through a public URL.

    Call it only after the view has checked the permission on the record that owns
    the file and written the audit record. `filename` is what the user sees
    (Vietnamese names are sent as RFC 5987 UTF-8). With `request`, a single
    `Range: bytes=...` is honoured (PDF viewers fetch pages that way).
    Raises Http404 if the file is not in the storage.
    """
    storage = storage or default_storage
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    try:
        size = storage.size(name)
    except Exception as exc:
        if _is_missing(exc):
            raise Http404("Không tìm thấy tệp trong kho lưu trữ.") from exc
        raise
    wanted = _parse_range(request.headers.get("Range", ""), size) if request is not None else None
    start, end = wanted if wanted else (0, size - 1)
    length = max(0, end - start + 1)

    if _is_s3(storage):
        obj = storage.bucket.Object(storage._normalize_name(name))  # type: ignore[attr-defined]  # S3Storage (checked by _is_s3)
        params = {"Range": f"bytes={start}-{end}"} if wanted else {}
        body = obj.get(**params)["Body"] if size else None
        chunks: Iterator[bytes] = _s3_chunks(body) if body is not None else iter(())
        response = StreamingHttpResponse(chunks, content_type=content_type)
    elif wanted:
        handle = storage.open(name, "rb")
        handle.seek(start)
        response = StreamingHttpResponse(_file_chunks(handle, length), content_type=content_type)
    else:
        whole = FileResponse(storage.open(name, "rb"), content_type=content_type)
        whole.block_size = CHUNK_BYTES
        response = whole
    if wanted:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    # Protected records: no shared or browser cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = _content_disposition(disposition, filename)
    return response


def _content_disposition(kind: str, filename: str) -> str:
    """Both forms of RFC 6266: an ASCII fallback without accents ("Quyet_dinh.pdf")
    and the exact Vietnamese name in UTF-8 (`filename*`), which browsers prefer."""
    import unicodedata
    from urllib.parse import quote

    from django.utils.text import get_valid_filename

    stripped = unicodedata.normalize("NFD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = (
        "".join(c for c in stripped if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )
    ascii_name = get_valid_filename(ascii_name) if ascii_name.strip(" .") else "tep"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=utf-8''{quote(filename, safe='')}"


def copy_to_local(name: str, target: IO[bytes], *, storage: Storage | None = None) -> int:
    """Copy a stored file into an open local file (for tools that need a path:
    Tesseract, LibreOffice, pdfsig). Returns the number of bytes copied."""
    storage = storage or default_storage
    with storage.open(name, "rb") as handle:
        before = target.tell()
        shutil.copyfileobj(handle, target, CHUNK_BYTES)
        return target.tell() - before
