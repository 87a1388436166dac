"""core.storage on the embedded default (local files): store_upload and stream_file_response.

The same helpers against a real S3 server: tests/core/test_storage_s3.py.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory, override_settings

from digitaldesk.core.storage import UploadRejected, human_size, store_upload, stream_file_response


class OneWayStream(io.RawIOBase):
    """A stream that can only be read forward (like a socket): no seek, no size."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.fixture
def media(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_store_upload_names_measures_and_hashes(media):
    data = "Biên bản lấy lời khai — bút lục 12\n".encode() * 1000
    upload = SimpleUploadedFile(
        "Biên bản lời khai (bản gốc).PDF", data, content_type="application/pdf"
    )
    stored = store_upload(upload, "ho-so-so/but-luc")
    assert stored.startswith("ho-so-so/but-luc/") and stored.endswith(".pdf")
    assert "Biên" not in stored  # never the user's file name in the storage
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    with default_storage.open(stored, "rb") as handle:
        assert handle.read() == data
    assert (media / stored).is_file()


def test_store_upload_reads_one_way_streams(media):
    data = os.urandom(3 * 1024 * 1024 + 17)
    stored = store_upload(OneWayStream(data), "van-ban")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    with default_storage.open(stored, "rb") as handle:
        assert handle.read() == data


def test_too_large_or_empty_files_are_refused_in_vietnamese_and_nothing_is_stored(media):
    with override_settings(DESK_MAX_UPLOAD_BYTES=1024 * 1024):
        big = SimpleUploadedFile("lon.pdf", b"x" * (1024 * 1024 + 1))
        with pytest.raises(UploadRejected) as declared:
            store_upload(big, "van-ban")
        assert declared.value.code == "too_large"
        assert (
            "Tệp quá lớn" in declared.value.messages[0] and "1,0 MB" in declared.value.messages[0]
        )
        # A stream that does not say its size is cut off while it is read.
        with pytest.raises(UploadRejected) as streamed:
            store_upload(OneWayStream(b"y" * (1024 * 1024 + 1)), "van-ban")
        assert streamed.value.code == "too_large"
    with pytest.raises(UploadRejected) as empty:
        store_upload(SimpleUploadedFile("rong.pdf", b""), "van-ban")
    assert empty.value.code == "empty" and "Tệp rỗng" in empty.value.messages[0]
    assert _files(media) == []


def test_prefix_cannot_escape_the_storage(media):
    stored = store_upload(SimpleUploadedFile("a.txt", b"abc"), "../../bi mat/./x")
    assert stored.startswith("bi-mat/x/")
    assert (media / stored).resolve().is_relative_to(media.resolve())


def test_stream_file_response_streams_with_a_vietnamese_file_name(media):
    data = os.urandom(700 * 1024)
    stored = store_upload(SimpleUploadedFile("x.pdf", data), "van-ban")
    response = stream_file_response(stored, "Quyết định khởi tố số 12.pdf", "application/pdf")
    assert response.streaming
    assert b"".join(response.streaming_content) == data
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Quyet_dinh_khoi_to_so_12.pdf"')
    assert "filename*=utf-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh" in disposition


def test_stream_file_response_answers_a_range_request(media):
    data = bytes(range(256)) * 4096
    stored = store_upload(SimpleUploadedFile("x.pdf", data), "van-ban")
    request = RequestFactory().get("/", HTTP_RANGE="bytes=1000-1999")
    response = stream_file_response(
        stored, "x.pdf", "application/pdf", as_attachment=False, request=request
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert b"".join(response.streaming_content) == data[1000:2000]
    assert response["Content-Disposition"].startswith("inline;")
    tail = stream_file_response(
        stored, "x.pdf", request=RequestFactory().get("/", HTTP_RANGE="bytes=-10")
    )
    assert b"".join(tail.streaming_content) == data[-10:]


def test_a_missing_file_is_404(media):
    with pytest.raises(Http404):
        stream_file_response("van-ban/2026/11/khong-co.pdf", "x.pdf")


def test_human_size_uses_the_vietnamese_decimal_comma():
    assert human_size(512) == "512 byte"
    assert human_size(1536) == "1,5 KB"
    assert human_size(200 * 1024 * 1024) == "200 MB"
