"""An exchange import is all or nothing, files included: when it fails part-way (here the real file
storage refuses a write after the first received file was stored), no row is written and no
received file stays in the storage; an impossible date is refused before anything is imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases.models import Accused, Case, CaseExchange, ProceduralEvent
from digitaldesk.exchange import package as package_format
from digitaldesk.exchange import services as exchange
from digitaldesk.law.deadlines import EventKind as E

from .test_exchange import _resign, full_case, package  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_an_import_failing_on_the_storage_part_way_leaves_no_row_and_no_file(
    org,
    full_case,  # noqa: F811
    as_user,
):
    case, _decision, original, _upload = full_case
    data = exchange.package_export(actor=org.people["minh"], case=case)
    media = Path(settings.MEDIA_ROOT)
    # A real storage fault on the second kind of file: the event's document goes to cases/events/
    # (stored first), the digitised files to cases/exchange/<id>/…, where a plain file now stands
    # in the way of the directory, so the operating system refuses the write (NotADirectoryError).
    assert not (media / "cases" / "exchange").exists()
    (media / "cases").mkdir(parents=True, exist_ok=True)
    (media / "cases" / "exchange").write_bytes(b"not a directory")
    before = stored_files()
    counts = (
        Case.objects.count(),
        ProceduralEvent.objects.count(),
        Accused.objects.count(),
        CaseExchange.objects.count(),
        AuditEvent.objects.filter(action__startswith="cases.").count(),
    )

    with pytest.raises(package_format.ImportFailed) as info:
        exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=data)
    assert "không có dữ liệu hay tệp nào được ghi" in " ".join(info.value.messages)
    assert isinstance(info.value.__cause__, OSError)
    # The event's document had been written (its month directory was created) and is gone again.
    month = media / "cases" / "events" / timezone.now().strftime("%Y/%m")
    assert month.is_dir() and not [p for p in month.iterdir() if p.is_file()]
    assert stored_files() == before
    assert not Case.objects.filter(unit=org.units["kv1"]).exists()
    assert (
        Case.objects.count(),
        ProceduralEvent.objects.count(),
        Accused.objects.count(),
        CaseExchange.objects.count(),
        AuditEvent.objects.filter(action__startswith="cases.").count(),
    ) == counts

    # Through the page: the same refusal, in Vietnamese, and still nothing written.
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = as_user("kv1_ksv").post(
        "/an-hinh-su/nhap-goi/",
        {
            "unit": org.units["kv1"].pk,
            "package": SimpleUploadedFile("goi.zip", data, content_type="application/zip"),
        },
    )
    assert page.status_code == 400 and "Không lưu được tệp nhận theo gói" in page.content.decode()
    assert stored_files() == before and not Case.objects.filter(unit=org.units["kv1"]).exists()

    # Once the storage works again the same package imports completely.
    (media / "cases" / "exchange").unlink()
    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=data)
    assert not report.refused, report.refused
    event = report.case.events.get(kind=E.KHOI_TO_VU_AN)
    assert event.attachment.read() == original
    kept = stored_files() - before
    assert {f["stored"] for f in report.files} == kept  # every file written belongs to the import


def test_an_impossible_date_is_refused_before_anything_is_imported(org, package):  # noqa: F811
    case, data = package
    key = exchange.local_key_get_or_create(case.unit)

    def thirtieth_of_february(files):  # type: ignore[no-untyped-def]
        record = json.loads(files["case.json"])
        record["events"][-1]["on"] = (
            "2024-02-30"  # the schema's pattern accepts it; the calendar does not
        )
        files["case.json"] = json.dumps(record, ensure_ascii=False).encode()

    before = stored_files()
    with pytest.raises(ValidationError) as info:
        exchange.package_import(
            actor=org.people["kv1_ksv"],
            unit=org.units["kv1"],
            data=_resign(data, key, thirtieth_of_february),
        )
    last = len(package_format.verify_package(data)[0]["events"]) - 1
    assert (
        " ".join(info.value.messages)
        == f"case.json có ngày không tồn tại tại events/{last}/on: 2024-02-30."
    )
    assert not Case.objects.filter(unit=org.units["kv1"]).exists() and stored_files() == before
    refusal = CaseExchange.objects.get(direction="nhap", accepted=False)
    assert refusal.report["refused"] == [" ".join(info.value.messages)]
