"""The audit log is append-only, hash-chained, verifiable, searchable and exportable by auditors."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from digitaldesk.audit.models import AuditEvent
from digitaldesk.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def _drop_guards() -> None:
    """What an attacker with direct database access would do before editing rows."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_no_change ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


def test_every_event_links_to_the_previous_one(org):
    minh = org.people["minh"]
    first = audit_record(actor=minh, action="cases.view", object_type="cases.case", object_id="1")
    second = audit_record(actor=minh, action="cases.view", object_type="cases.case", object_id="2")
    assert second.prev_hash == first.hash
    assert audit_verify().ok


def test_the_database_refuses_updates_and_deletes(org):
    event = audit_record(actor=org.people["minh"], action="cases.view", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="cases.nothing")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValueError):
        event.save()


def test_verify_names_the_first_tampered_row(org):
    events = [
        audit_record(actor=org.people["minh"], action="cases.view", object_id=str(i))
        for i in range(5)
    ]
    _drop_guards()
    AuditEvent.objects.filter(pk=events[2].pk).update(object_id="999")
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk
    with pytest.raises(CommandError, match=f"bản ghi số {events[2].pk}"):
        call_command("audit-verify")


def test_verify_detects_a_deleted_row(org):
    events = [
        audit_record(actor=org.people["minh"], action="cases.view", object_id=str(i))
        for i in range(4)
    ]
    _drop_guards()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk
    assert "bị xóa hoặc chèn" in result.reason


def test_verify_command_reports_an_intact_chain(org, capsys):
    audit_record(actor=org.people["minh"], action="cases.view", object_id="1")
    call_command("audit-verify")
    assert "Nhật ký toàn vẹn" in capsys.readouterr().out


def test_only_auditors_and_admins_read_the_log(org, as_user):
    assert as_user("minh").get("/nhat-ky/").status_code == 403
    assert as_user("huong").get("/nhat-ky/").status_code == 403
    assert as_user("thanhtra").get("/nhat-ky/").status_code == 200


def test_auditor_searches_who_opened_a_record_and_exports_csv(org, as_user):
    audit_record(
        actor=org.people["minh"],
        action="cases.view",
        object_type="cases.case",
        object_id="77",
        object_label="Vụ án Nguyễn Văn A lừa đảo",
    )
    audit_record(
        actor=org.people["mai"], action="cases.view", object_type="cases.case", object_id="78"
    )
    client = as_user("thanhtra")
    page = client.get("/nhat-ky/", {"object_type": "cases.case", "object_id": "77"})
    html = page.content.decode()
    assert (
        "Hoàng Văn Minh" in html
        and "Vụ án Nguyễn Văn A lừa đảo" in html
        and "Vũ Thị Mai" not in html
    )
    export = client.get("/nhat-ky/xuat/", {"action": "cases."})
    body = b"".join(export.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff") and "Hoàng Văn Minh" in body and "Vũ Thị Mai" in body
    # reading the log is itself audited
    assert AuditEvent.objects.filter(action="audit.export", actor=org.people["thanhtra"]).exists()


def test_verify_page_shows_tampering(org, as_user):
    event = audit_record(actor=org.people["minh"], action="cases.view", object_id="1")
    _drop_guards()
    AuditEvent.objects.filter(pk=event.pk).update(actor_label="Người khác")
    html = as_user("thanhtra").get("/nhat-ky/kiem-tra/").content.decode()
    assert "Bị can thiệp" in html and f"Bản ghi số <strong>{event.pk}</strong>" in html


def test_failed_logins_are_audited_without_the_password(org):
    from django.test import Client

    Client().post("/dang-nhap/", {"username": "minh.ksv", "password": "mat-khau-sai-x"})
    event = AuditEvent.objects.filter(action="auth.login_failed").latest("id")
    assert "mat-khau-sai-x" not in str(event.detail) and event.actor == org.people["minh"]
