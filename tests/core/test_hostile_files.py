"""The core guards against hostile files: ZIP bombs (declared and real sizes), image
bombs, dangerous file names, and tools that must not outlive their caller."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from digitaldesk.core.archives import ArchiveLimits, ArchiveRefused, check_zip_archive
from digitaldesk.core.files import UnsafeFileName, safe_file_name
from digitaldesk.core.images import ImageTooLarge, ImageUnreadable, open_image_safely
from digitaldesk.core.processes import ConfinedTimeout, reap_orphans, run_confined
from tests.support.hostile import docx_bomb, lying_zip, png_bomb, processes_carrying


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return docx_bomb()


# --- archives ---------------------------------------------------------------------------------
def test_a_docx_bomb_is_refused_by_its_declared_size(bomb):
    assert len(bomb) < 600 * 1024  # a few hundred KB on disk, 120 MB of XML inside
    with pytest.raises(ArchiveRefused, match="bom giải nén") as refused:
        check_zip_archive(bomb)
    assert "word/document.xml" in str(refused.value) and "tối đa 50 MB" in str(refused.value)


def test_a_member_under_the_size_cap_is_refused_for_its_ratio(bomb):
    limits = ArchiveLimits(total_bytes=10**9, member_bytes=10**9, ratio=100)
    with pytest.raises(ArchiveRefused, match=r"tỉ lệ \d+:1 \(tối đa 100:1\)"):
        check_zip_archive(bomb, limits=limits)


def test_a_member_whose_header_lies_about_its_size_is_caught_when_streamed():
    """GIVEN a member declared 1,000 bytes that inflates to 5 MB, THEN the streamed check refuses
    it."""
    data = lying_zip()
    assert zipfile.ZipFile(__import__("io").BytesIO(data)).infolist()[0].file_size == 1000
    with pytest.raises(ArchiveRefused, match="không giải nén được"):
        check_zip_archive(data)


def test_the_real_total_is_capped_while_streaming(bomb):
    # Declared sizes pass (the caps are above them), the real bytes stop at the total cap.
    limits = ArchiveLimits(total_bytes=20 * 1024 * 1024, member_bytes=10**9, ratio=10**6)
    with pytest.raises(ArchiveRefused, match="tổng dung lượng giải nén"):
        check_zip_archive(bomb, limits=limits)


def test_an_ordinary_docx_passes():
    from tests.documents.conftest import make_docx

    assert "word/document.xml" in check_zip_archive(make_docx(["Công văn số 15"] * 200))


# --- images -----------------------------------------------------------------------------------
def test_an_image_bomb_is_refused_as_too_large_with_the_figures_not_as_damaged(settings):
    with pytest.raises(ImageTooLarge) as refused:
        open_image_safely(png_bomb())
    message = str(refused.value)
    assert message.startswith("Ảnh quá lớn (900.000.000 điểm ảnh, tối đa 200.000.000 điểm ảnh)")
    assert "hỏng" not in message
    settings.DESK_MAX_IMAGE_PIXELS = 1_000_000  # the limit is the setting's
    with pytest.raises(ImageTooLarge, match="tối đa 1.000.000 điểm ảnh"):
        open_image_safely(png_bomb(2000, 2000))
    with pytest.raises(ImageUnreadable):
        open_image_safely(b"\x89PNG\r\n\x1a\n broken")


def test_a_small_image_opens():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (100, 50), 255).save(buffer, "PNG")
    with open_image_safely(buffer.getvalue()) as image:
        assert image.size == (100, 50)


# --- file names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Quyết định số 12.pdf", "Quyết định số 12.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\lan\\Tờ trình.pdf", "Tờ trình.pdf"),
        ("hoso\u202efdp.docx", "hosofdp.docx"),  # the right-to-left override is gone
        ("bao\x00cao\r\n.pdf", "baocao.pdf"),
        ("  ..an:toan?.pdf. ", "an-toan-.pdf"),
        ("", "van-ban"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(given, kept):
    assert safe_file_name(given, default="van-ban") == kept


@pytest.mark.parametrize(
    "name", ["setup.exe", "hoso.pdf.EXE", "x.bat", "x.js", "lien-ket.lnk", "a.ps1"]
)
def test_executable_names_are_refused_in_vietnamese_or_defused(name):
    with pytest.raises(UnsafeFileName, match="tệp chạy được"):
        safe_file_name(name, default="van-ban")
    assert (
        not safe_file_name(name, default="van-ban", strict=False)
        .lower()
        .endswith((".exe", ".bat", ".js", ".lnk", ".ps1"))
    )


def test_limits_must_be_positive(monkeypatch):
    from digitaldesk.core.env import env_positive_int

    monkeypatch.setenv("DESK_MAX_PAGES_PER_UPLOAD", "0")
    with pytest.raises(ImproperlyConfigured, match="positive"):
        env_positive_int("DESK_MAX_PAGES_PER_UPLOAD", 1000)
    monkeypatch.setenv("DESK_MAX_PAGES_PER_UPLOAD", "500")
    assert env_positive_int("DESK_MAX_PAGES_PER_UPLOAD", 1000) == 500


# --- confined tools ---------------------------------------------------------------------------
def _sleeper(folder: Path) -> str:
    """A copy of `sleep` inside the test's own directory: its processes are told apart from
    every other process of the machine by their path."""
    import shutil

    target = folder / "desk-test-sleep"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", target)
    return str(target)


def test_a_tool_past_its_time_is_killed_with_everything_it_forked(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    marker = _sleeper(tmp_path)
    # The shell forks a background child (as oosplash forks soffice.bin), then waits.
    script = f"{marker} 300 & {marker} 300"
    with pytest.raises(ConfinedTimeout):
        run_confined(["sh", "-c", script], timeout=1, memory_bytes=None, marker=marker)
    assert processes_carrying(marker) == []
    assert list((tmp_path / "run" / "groups").iterdir()) == []


def test_a_tool_over_its_memory_limit_fails_instead_of_growing(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    grab = "x = bytearray(512 * 1024 * 1024)"
    result = run_confined(
        [sys.executable, "-c", grab],
        timeout=60,
        memory_bytes=256 * 1024 * 1024,
        marker=str(tmp_path),
    )
    assert result.returncode != 0 and b"MemoryError" in result.stderr


def test_a_tool_left_by_a_killed_worker_is_reaped(tmp_path):
    """GIVEN a worker SIGKILLed while its tool runs (the tool's helper survives in the tool's
    own process group), WHEN the next worker starts or `desk serve` stops (reap_orphans),
    THEN the whole group is gone."""
    marker = _sleeper(tmp_path)
    code = (
        "import os, django; django.setup()\nfrom digitaldesk.core.processes import "
        "run_confined\ntool = os.environ['TOOL']\nrun_confined(['sh', '-c', f'{tool} 300 & "
        "{tool} 300'], timeout=600, memory_bytes=None, marker=tool)\n"
    )
    env = {
        **os.environ,
        "DESK_DATA_DIR": str(tmp_path),
        "TOOL": marker,
        "DJANGO_SETTINGS_MODULE": "digitaldesk.config.settings",
    }
    worker = subprocess.Popen([sys.executable, "-c", code], env=env)  # noqa: S603
    groups = tmp_path / "run" / "groups"
    deadline = time.monotonic() + 60
    while len(processes_carrying(marker)) < 2 or not any(groups.glob("*")):
        assert time.monotonic() < deadline, "the tool did not start"
        time.sleep(0.1)
    record = next(groups.iterdir())
    assert json.loads(record.read_text())["owner"] == worker.pid
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    # The tool's direct child died with the worker (PR_SET_PDEATHSIG); what it forked did not.
    assert processes_carrying(marker)
    from django.test import override_settings

    with override_settings(DATA_DIR=tmp_path):
        assert reap_orphans() == 1
    deadline = time.monotonic() + 30
    while processes_carrying(marker):
        assert time.monotonic() < deadline, processes_carrying(marker)
        time.sleep(0.1)
    assert not record.exists()


def test_every_app_opening_images_says_too_large_not_damaged(tmp_path):
    """Signing (a signature picture) and OCR (a scan) use the same guard as documents."""
    from digitaldesk.ocr import pipeline
    from digitaldesk.ocr.engines import OcrError
    from digitaldesk.signing.errors import SigningError
    from digitaldesk.signing.images import clean_upload

    with pytest.raises(SigningError, match=r"^Ảnh quá lớn \(900\.000\.000 điểm ảnh"):
        clean_upload(png_bomb())
    path = tmp_path / "bom.png"
    path.write_bytes(png_bomb())
    with pytest.raises(OcrError, match=r"^Ảnh quá lớn \(900\.000\.000 điểm ảnh"):
        pipeline.inspect(path)
