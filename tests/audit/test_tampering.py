"""An attacker who can write the database but holds neither DESK_AUDIT_KEY nor the organisation's
signing key cannot rewrite the audit log unnoticed (issue 11, finding 3; docs/audit.md).

Each attack is done as such an attacker would: drop the append-only triggers, edit rows with SQL,
recompute the plain SHA-256 chain (the only chain he can compute) and move the head.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.db import connection

from digitaldesk.audit.models import AuditEvent, AuditHead
from digitaldesk.audit.services import audit_checkpoint, audit_record, audit_verify

pytestmark = pytest.mark.django_db
GENESIS = "0" * 64


def _drop_guards() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_change ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


def _events(org: Any, n: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=org.people["minh"],
            action="cases.view",
            object_type="cases.case",
            object_id=str(i),
        )
        for i in range(n)
    ]


def _recompute_plain_chain(from_id: int) -> None:
    """What the attacker can do without the key: SHA-256 every row from `from_id` on, relink them,
    and move the head to the new last row and the new row count."""
    prev = (
        AuditEvent.objects.filter(id__lt=from_id)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
        or GENESIS
    )
    for event in AuditEvent.objects.filter(id__gte=from_id).order_by("id"):
        event.prev_hash = prev
        new = hashlib.sha256(event.canonical()).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new)
        prev = new
    _move_head()


def _move_head() -> None:
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None
    AuditHead.objects.filter(id=1).update(last_hash=last.hash, count=AuditEvent.objects.count())
    AuditHead.objects.filter(id=1).update(last_id=last.pk)


def _verify_command_fails() -> str:
    """Run `desk audit-verify`; it must exit non-zero. Returns its message and error output."""
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit-verify", stderr=err)
    return f"{failure.value}\n{err.getvalue()}"


def test_an_untampered_log_verifies_against_its_checkpoints(org, checkpoint_dir, capsys):
    _events(org, 3)
    call_command("audit-checkpoint")
    _events(org, 2)
    files = list(Path(checkpoint_dir).glob("*.json"))
    assert len(files) == 1
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checkpoints == 1 and result.last_good_checkpoint is not None
    call_command("audit-verify")
    out = capsys.readouterr().out
    assert "Nhật ký toàn vẹn" in out and "Điểm kiểm tra hợp lệ gần nhất" in out


def test_rows_cut_off_the_end_with_the_head_moved_are_detected(org):
    """GIVEN a checkpoint after 6 events and 2 more events WHEN the last 3 rows are deleted and
    the head moved to the new last row THEN verification fails: the head's MAC no longer holds and
    one row of the checkpoint is missing at the end."""
    _events(org, 6)
    checkpoint = audit_checkpoint()
    _events(org, 2)
    _drop_guards()
    doomed = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:3])
    AuditEvent.objects.filter(id__in=doomed).delete()
    _move_head()
    result = audit_verify()
    assert not result.ok
    assert result.missing_at_end == 1
    assert any("Đầu chuỗi" in p for p in result.problems)
    output = _verify_command_fails()
    assert (
        "Thiếu ít nhất 1 bản ghi ở cuối" in output
        and f"bản ghi cuối số {checkpoint.last_id}" in output
    )


def test_rows_cut_off_after_the_last_checkpoint_are_detected_by_the_head(org):
    _events(org, 5)
    audit_checkpoint()
    _events(org, 3)
    _drop_guards()
    doomed = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:2])
    AuditEvent.objects.filter(id__in=doomed).delete()
    _move_head()
    result = audit_verify()
    assert not result.ok
    assert any("mã xác thực của đầu chuỗi không khớp" in p for p in result.problems)
    # and the log is not signed in that state
    with pytest.raises(CommandError, match="Không lập điểm kiểm tra"):
        call_command("audit-checkpoint")


def test_a_rewritten_row_with_the_plain_chain_recomputed_is_named(org):
    events = _events(org, 6)
    _drop_guards()
    AuditEvent.objects.filter(pk=events[2].pk).update(actor_label="Người khác", object_id="999")
    _recompute_plain_chain(events[2].pk)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk
    assert "mã xác thực không khớp" in result.reason
    assert f"bản ghi số {events[2].pk}" in _verify_command_fails()


def test_a_deleted_middle_row_is_detected(org):
    """Deleted alone, the next row's link breaks; deleted with the plain chain recomputed and the
    head moved, the next row's MAC fails and the checkpoint's row count is one short."""
    events = _events(org, 6)
    audit_checkpoint()
    _drop_guards()
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[3].pk
    assert "bị xóa hoặc chèn" in result.reason and result.missing_in_middle == 1

    _recompute_plain_chain(events[3].pk)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[3].pk
    assert result.missing_in_middle == 1
    assert "thiếu 1 bản ghi (đã bị xóa)" in _verify_command_fails()


def _forge(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A checkpoint with `changes`, signed with the attacker's own key and certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Viện kiểm sát nhân dân tỉnh Thăng Hoa")]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    payload = {**document["payload"], **changes}
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return {
        **document,
        "payload": payload,
        "signature_algorithm": "ecdsa-sha256",
        "signature": base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode(),
        "certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "timestamp": None,
    }


def test_a_forged_checkpoint_file_is_reported(org, checkpoint_dir, as_user):
    """GIVEN a genuine checkpoint WHEN the attacker cuts the last rows, moves the head and writes
    checkpoints for the shorter log (one re-signed with his own key, one edited in place) THEN both
    are reported as forged and the genuine one still shows the missing rows."""
    _events(org, 2)
    earlier = audit_checkpoint()
    _events(org, 2)
    genuine = audit_checkpoint()
    document = json.loads(genuine.path.read_text(encoding="utf-8"))
    _drop_guards()
    AuditEvent.objects.filter(pk=genuine.last_id).delete()
    _move_head()
    head = AuditHead.objects.get(id=1)
    forged = _forge(document, last_id=head.last_id, count=head.count, head=head.last_hash)
    (checkpoint_dir / "diem-kiem-tra-999999999999-gia.json").write_text(json.dumps(forged))
    edited = {**document, "payload": {**document["payload"], "count": head.count}}
    (checkpoint_dir / "diem-kiem-tra-999999999998-sua.json").write_text(json.dumps(edited))
    (checkpoint_dir / "diem-kiem-tra-999999999997-hong.json").write_text("{không phải JSON")
    result = audit_verify()
    assert not result.ok
    assert sorted(p.name for p in result.forged_checkpoints) == [
        "diem-kiem-tra-999999999997-hong.json",
        "diem-kiem-tra-999999999998-sua.json",
        "diem-kiem-tra-999999999999-gia.json",
    ]
    assert result.missing_at_end == 1
    assert result.last_good_checkpoint is not None
    assert result.last_good_checkpoint.name == earlier.path.name
    output = _verify_command_fails()
    assert "diem-kiem-tra-999999999999-gia.json: chữ ký số không hợp lệ" in output
    assert "điểm kiểm tra giả mạo" in output
    page = as_user("thanhtra").get("/nhat-ky/kiem-tra/").content.decode()
    assert "Bị can thiệp" in page and "diem-kiem-tra-999999999998-sua.json" in page
    assert earlier.path.name in page  # the last good checkpoint


def test_checkpoints_signed_by_the_organisation_with_a_timestamp(org, settings, tmp_path):
    """The organisation's PKCS#12 from the CA signs the checkpoint, a real RFC 3161 TSA stamps it;
    a checkpoint signed with another key (the embedded one) is then no longer accepted."""
    from digitaldesk.signing import services as signing
    from digitaldesk.signing.tsa import TSAServer

    _events(org, 2)
    embedded = audit_checkpoint()
    ca = signing.demo_ca()
    province = org.units["tinh"].name
    key, cert = ca.issue(common_name=province, organisation=province)
    assert key is not None
    p12 = tmp_path / "to-chuc.p12"
    p12.write_bytes(ca.pkcs12(key, cert, "mat-khau-p12"))
    settings.AUDIT_SIGNING_P12_FILE = str(p12)
    settings.AUDIT_SIGNING_P12_PASSPHRASE = "mat-khau-p12"
    with TSAServer(ca) as tsa:
        settings.AUDIT_TSA_URL = tsa.url
        result = audit_checkpoint()
        assert result.timestamped
    document = json.loads(result.path.read_text(encoding="utf-8"))
    signer = x509.load_pem_x509_certificate(document["certificate"].encode())
    assert signer.fingerprint(hashes.SHA256()) == cert.fingerprint(hashes.SHA256())
    verified = audit_verify()
    assert verified.last_good_checkpoint is not None
    assert verified.last_good_checkpoint.name == result.path.name
    assert verified.last_good_checkpoint.timestamp
    assert [p.name for p in verified.forged_checkpoints] == [embedded.path.name]
    # the earlier certificate is accepted again once listed as such
    earlier = tmp_path / "chung-thu-truoc.pem"
    earlier.write_bytes(json.loads(embedded.path.read_text())["certificate"].encode())
    settings.AUDIT_CHECKPOINT_CERTS_FILE = str(earlier)
    assert audit_verify().ok


def test_a_timestamp_of_another_signature_is_reported(org, settings):
    from digitaldesk.signing import services as signing
    from digitaldesk.signing.tsa import TSAServer

    _events(org, 2)
    with TSAServer(signing.demo_ca()) as tsa:
        settings.AUDIT_TSA_URL = tsa.url
        first = audit_checkpoint()
        _events(org, 1)
        second = audit_checkpoint()
    one, two = (json.loads(p.path.read_text()) for p in (first, second))
    one["timestamp"] = two["timestamp"]
    first.path.write_text(json.dumps(one))
    result = audit_verify()
    assert not result.ok
    assert any("dấu thời gian không thuộc về chữ ký" in p for p in result.problems)


def test_rows_before_the_keyed_chain_verify_up_to_a_bound_boundary(db):
    """The upgrade path: rows written with the plain SHA-256 chain before migration 0003 verify by
    the old scheme up to the boundary; the boundary cannot be moved, nor the old rows recomputed."""
    from django.apps import apps

    from digitaldesk.audit.migrations import __name__ as package

    migration = __import__(f"{package}.0003_keyed_chain", fromlist=["forwards"])
    AuditHead.objects.all().delete()
    assert not AuditEvent.objects.exists()
    prev = GENESIS
    old = []
    for i in range(4):  # as the desk wrote them before the keyed chain
        event = AuditEvent(
            at=dt.datetime(2026, 11, 1, 8, i, tzinfo=dt.UTC),
            actor_label="Hệ thống",
            action="cases.view",
            object_id=str(i),
            prev_hash=prev,
        )
        event.hash = hashlib.sha256(event.canonical()).hexdigest()
        event.save()
        old.append(event)
        prev = event.hash
    migration.forwards(apps, None)
    new = audit_record(actor=None, action="cases.view", object_id="moi")
    assert new.prev_hash == old[-1].hash
    assert audit_verify().ok
    audit_checkpoint()

    _drop_guards()
    AuditEvent.objects.filter(pk=old[1].pk).update(object_id="999")
    _recompute_plain_chain(old[1].pk)  # also rehashes the keyed row with SHA-256: caught there
    result = audit_verify()
    assert not result.ok and result.first_bad_id == old[3].pk
    assert "mốc chuyển sang chuỗi có khóa" in result.reason

    AuditHead.objects.filter(id=1).update(plain_until_id=new.pk, plain_until_hash=new.hash)
    result = audit_verify()
    assert any("Mốc chuyển" in p for p in result.problems)


def _settings_in_subprocess(data_dir: Path, **env: str) -> str:
    """AUDIT_KEY as a fresh process with `env` reads it from the real settings module."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DESK_TESTING", "DESK_AUDIT_KEY", "DESK_AUDIT_KEY_FILE")
    }
    clean.update(
        DESK_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="digitaldesk.config.settings", **env
    )
    code = "from django.conf import settings; print(settings.AUDIT_KEY)"
    done = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        env=clean,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_the_audit_key_lives_outside_the_database(tmp_path):
    """Embedded default: generated once into the data dir, 0600; DESK_AUDIT_KEY_FILE wins."""
    data = tmp_path / "du-lieu"
    first = _settings_in_subprocess(data)
    assert len(first) >= 32 and first == _settings_in_subprocess(data)
    assert stat.S_IMODE((data / "audit_key").stat().st_mode) == 0o600
    secret = tmp_path / "khoa"
    secret.write_text("khoa-tu-tep-bi-mat-0123456789abcdefghij\n")
    assert (
        _settings_in_subprocess(data, DESK_AUDIT_KEY_FILE=str(secret))
        == "khoa-tu-tep-bi-mat-0123456789abcdefghij"
    )


def test_production_checks_ask_for_the_key_and_the_organisation_certificate(settings, monkeypatch):
    from digitaldesk.audit.checks import audit_checks, audit_deploy_checks

    monkeypatch.delenv("DESK_AUDIT_KEY", raising=False)
    monkeypatch.delenv("DESK_AUDIT_KEY_FILE", raising=False)
    settings.AUDIT_SIGNING_P12_FILE = ""
    assert {m.id for m in audit_deploy_checks()} == {"audit.E101", "audit.E102"}
    settings.AUDIT_SIGNING_P12_FILE = "/khong-co/to-chuc.p12"
    assert "audit.E001" in {m.id for m in audit_checks()}


def test_the_scheduled_job_writes_a_checkpoint(org, checkpoint_dir):
    """`desk audit-schedule` puts the job in the queue's scheduler; the scheduler's function
    enqueues a Job, which a worker runs (run_job, as the queue calls it)."""
    from django_q.models import Schedule

    from digitaldesk.jobs.builtin import enqueue_scheduled
    from digitaldesk.jobs.models import Job, JobState
    from digitaldesk.jobs.services import run_job

    call_command("audit-schedule")
    schedule = Schedule.objects.get(name="audit.checkpoint")
    assert schedule.func == "digitaldesk.jobs.builtin.enqueue_scheduled" and schedule.minutes == 60
    _events(org, 2)
    job_id = enqueue_scheduled("audit.checkpoint")
    assert run_job(job_id) == "done"
    assert Job.objects.get(pk=job_id).state == JobState.DONE
    assert len(list(Path(checkpoint_dir).glob("*.json"))) == 1
    assert audit_verify().last_good_checkpoint is not None
