"""The audit log in words (audit/labels.py): every action code has a Vietnamese name, the auditor
filters by a list of actions, the CSV holds JSON details and is named in local time."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.utils import timezone

from digitaldesk.audit.labels import action_label, action_labels, object_type_label
from digitaldesk.audit.services import audit_record

SRC = Path(__file__).resolve().parents[2] / "src" / "digitaldesk"


def test_every_action_code_written_in_the_source_has_a_vietnamese_name() -> None:
    """Scans every `action=...` of the source (conditional expressions included) for codes."""
    codes = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "action=" in line:
                codes |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', line))
    # Built from a prefix: cases.services.record_view(what=...).
    codes |= {"cases.view_document", "cases.view_mindmap"}
    assert len(codes) > 150
    assert sorted(codes - set(action_labels())) == []
    assert action_label("plugin.unknown") == "Thao tác khác"
    assert action_label("cases.something_new") == "Sổ thụ lý vụ án: thao tác khác"
    assert object_type_label("documents.incomingdocument") == "Văn bản đến"
    assert object_type_label("cases.proceduralevent") == "Quyết định tố tụng"


@pytest.mark.django_db
def test_the_auditor_reads_names_filters_by_a_list_and_exports_json(org, as_user) -> None:
    """GIVEN a failed login and a case view WHEN the inspector opens the log, filters on
    "Đăng nhập không thành công" from the list, and exports THEN he reads names, not codes or
    ids; the CSV's detail is JSON and the file is named in Vietnam's time."""
    audit_record(
        actor=org.people["minh"],
        action="cases.view",
        object_type="cases.case",
        object_id="77",
        object_label="Vụ án Nguyễn Văn A lừa đảo",
    )
    audit_record(
        actor=org.people["minh"], action="auth.login_failed", detail={"lý_do": "sai", "n": True}
    )
    client = as_user("thanhtra")
    html = client.get("/nhat-ky/").content.decode()
    assert "Đăng nhập không thành công" in html and "Xem vụ án" in html
    assert "auth.login_failed</" not in html and "cases.case#77" not in html
    assert '<option value="auth.login_failed">Đăng nhập không thành công</option>' in html
    assert "tiền tố" not in html
    only = client.get("/nhat-ky/", {"action": "auth.login_failed"}).content.decode()
    assert "Đăng nhập không thành công" in only and "Vụ án Nguyễn Văn A" not in only
    before = timezone.localtime()
    export = client.get("/nhat-ky/xuat/", {"action": "auth.login_failed"})
    name = re.search(
        r'filename="nhat-ky-kiem-toan-(\d{8}-\d{4})\.csv"', export["Content-Disposition"]
    )
    assert name is not None
    stamp = dt.datetime.strptime(name.group(1), "%Y%m%d-%H%M").replace(tzinfo=before.tzinfo)
    assert abs(stamp - before.replace(second=0, microsecond=0)) <= dt.timedelta(minutes=1)
    body = b"".join(export.streaming_content).decode("utf-8")
    assert "Đăng nhập không thành công" in body and "{'" not in body
    detail = next(line for line in body.splitlines() if "login_failed" in line)
    cell = re.search(r'"(\{.*\})"', detail)
    assert cell is not None and json.loads(cell.group(1).replace('""', '"')) == {
        "lý_do": "sai",
        "n": True,
    }
