"""System checks desk.E00x / desk.W00x / desk.E10x, run through `check` as an operator would.

Each check is made to fail for real (a missing program, Tesseract without Vietnamese
data, a storage path that cannot be created, …) and to pass again.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings


def _check(*, deploy: bool = False) -> str:
    """Run `check --tag desk`; return what it printed (warnings) or raise on errors."""
    out, err = io.StringIO(), io.StringIO()
    call_command("check", tags=["desk"], deploy=deploy, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _errors(*, deploy: bool = False) -> str:
    with pytest.raises(SystemCheckError) as failure:
        _check(deploy=deploy)
    return str(failure.value)


def test_this_machine_passes_the_checks():
    assert "desk." not in _check()


def test_tesseract_missing_is_desk_e001():
    with override_settings(TESSERACT_CMD="/khong-co/tesseract"):
        message = _errors()
    assert "desk.E001" in message and "tesseract-ocr-vie" in message


def test_tesseract_without_vietnamese_is_desk_e002(tmp_path, monkeypatch):
    empty = tmp_path / "tessdata"
    empty.mkdir()
    monkeypatch.setenv("TESSDATA_PREFIX", str(empty))  # the real tesseract, with no language data
    message = _errors()
    assert "desk.E002" in message and "'vie'" in message


def test_libreoffice_missing_is_only_a_warning_desk_w001():
    with override_settings(LIBREOFFICE_CMD="/khong-co/soffice"):
        printed = _check()
    assert "desk.W001" in printed and "LibreOffice" in printed


def test_unwritable_storage_is_desk_e003(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be", encoding="utf-8")
    with override_settings(MEDIA_ROOT=blocker / "media"):  # even root cannot create it
        message = _errors()
    assert "desk.E003" in message and str(blocker / "media") in message


def test_unwritable_data_directory_is_desk_e004(tmp_path):
    blocker = tmp_path / "data-file"
    blocker.write_text("x", encoding="utf-8")
    with override_settings(DATA_DIR=Path(blocker)):
        message = _errors()
    assert "desk.E004" in message and "DESK_DATA_DIR" in message


def test_job_lease_not_longer_than_the_timeout_is_desk_e005():
    with override_settings(JOB_TIMEOUT_SECONDS=600, JOB_RETRY_SECONDS=600):
        message = _errors()
    assert "desk.E005" in message and "DESK_JOB_RETRY_SECONDS" in message and "660" in message


def test_slow_heartbeat_is_desk_w002():
    with override_settings(JOB_TIMEOUT_SECONDS=60, JOB_RETRY_SECONDS=120, JOB_HEARTBEAT_SECONDS=30):
        printed = _check()
    assert "desk.W002" in printed


def test_deploy_checks_demand_secret_key_https_and_real_hosts(monkeypatch):
    monkeypatch.delenv("DESK_SECRET_KEY", raising=False)
    monkeypatch.delenv("DESK_SECRET_KEY_FILE", raising=False)
    assert "desk.E10" not in _check()  # not without --deploy
    with override_settings(
        HTTPS=False, ALLOWED_HOSTS=["127.0.0.1", "localhost", "[::1]", "testserver"]
    ):
        message = _errors(deploy=True)
    for check_id in ("desk.E101", "desk.E102", "desk.E103"):
        assert check_id in message

    monkeypatch.setenv("DESK_SECRET_KEY", "k" * 60)
    with override_settings(HTTPS=True, ALLOWED_HOSTS=["banlamviec.vks.thanghoa.gov.vn"]):
        assert "desk." not in _check(deploy=True)
