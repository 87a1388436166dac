"""Exchange packages (liên thông): export, import elsewhere, and refusal of tampered packages."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import exchange, services
from digitaldesk.cases.legal.deadlines import EventKind as E
from digitaldesk.cases.models import Case, CaseExchange, ComputedDeadline

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def package(org, make_case):
    from django.core.files.base import ContentFile

    from digitaldesk.cases import events

    minh = org.people["minh"]
    case = make_case("minh", received=40, name="Tham ô tài sản tại Công ty X")
    record(minh, case, E.KHOI_TO_VU_AN, 35, number="05/QĐ-CSĐT")
    person = add_accused(minh, case, "Trịnh Văn Hải", birth_year=1975)
    services.charge_add(actor=minh, case=case, article="353", clause=2, points="d", accused=person)
    events.event_record(actor=minh, case=case, data=events.EventData(
        kind=E.KHOI_TO_BI_CAN, on=ago(34),
        accused=person, number="09/QĐ-CSĐT", attachment=ContentFile(PDF, name="kt-bi-can.pdf")))
    data = exchange.package_export(actor=minh, case=case)
    return case, data


def _rebuild(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {name: source.read(name) for name in source.namelist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_package_is_self_describing_and_signed(package):
    case, data = package
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"manifest.json", "manifest.sig", "signer.pem", "case.json", "schema/case-exchange.schema.json"} <= names
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    record_json = json.loads(archive.read("case.json"))
    assert record_json["case"]["name"] == case.name and record_json["charges"][0]["article"] == "353"
    pdfs = [n for n in names if n.startswith("documents/")]
    assert len(pdfs) == 1 and archive.read(pdfs[0]) == PDF
    # the schema shipped in the package is the documented one
    from pathlib import Path

    documented = Path(__file__).resolve().parents[2] / "docs" / "cases-exchange.schema.json"
    assert archive.read("schema/case-exchange.schema.json") == documented.read_bytes()
    assert AuditEvent.objects.filter(action="cases.exported", object_id=str(case.pk)).exists()


def test_import_into_another_unit(org, package):
    case, data = package
    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=data)
    imported = report.case
    assert imported.unit == org.units["kv1"] and imported.case_no == 1 and imported.pk != case.pk
    assert not report.refused and any("Trịnh Văn Hải" in line for line in report.accepted)
    assert imported.accused.get().full_name == "Trịnh Văn Hải"
    assert imported.charges.get().category == case.charges.get().category
    assert imported.events.filter(kind=E.KHOI_TO_BI_CAN).get().attachment.read() == PDF
    assert ComputedDeadline.objects.filter(case=imported, kind="dieu_tra", running=True).exists()
    assert CaseExchange.objects.filter(case=imported, direction="nhap", accepted=True).exists()


@pytest.mark.parametrize("tamper, reason", [
    (lambda f: f.__setitem__("case.json", f["case.json"].replace("Tham ô".encode(), "Tham nhũng".encode())),
     "mã băm SHA-256 không khớp"),
    (lambda f: f.__setitem__("manifest.json", f["manifest.json"].replace(b'"version": "1.0"', b'"version": "1.1"')),
     "Chữ ký của bảng kê"),
    (lambda f: f.__setitem__("documents/extra.pdf", PDF), "không nằm trong bảng kê"),
    (lambda f: f.pop("case.json"), "thiếu tệp bắt buộc case.json"),
])
def test_tampered_packages_are_refused(org, package, tamper, reason):
    _, data = package
    with pytest.raises(ValidationError) as info:
        exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, tamper))
    assert reason in " ".join(info.value.messages)
    assert not Case.objects.filter(unit=org.units["kv1"]).exists()
    refusal = CaseExchange.objects.get(direction="nhap", accepted=False)
    assert reason in refusal.report["refused"][0]
    assert AuditEvent.objects.filter(action="cases.import_refused").exists()


def test_resigned_by_an_unknown_key_is_refused(org, package):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, data = package
    intruder = Ed25519PrivateKey.generate()

    def resign(files):  # type: ignore[no-untyped-def]
        files["manifest.sig"] = base64.b64encode(intruder.sign(files["manifest.json"]))
        files["signer.pem"] = intruder.public_key().public_bytes(serialization.Encoding.PEM,
                                                                 serialization.PublicFormat.SubjectPublicKeyInfo)

    with pytest.raises(ValidationError, match="khóa chưa được tin cậy"):
        exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, resign))
    # once an administrator trusts that key, its packages are accepted
    exchange.trust_key(actor=org.people["dung"], label="VKSND tỉnh Bình An",
                       public_pem=intruder.public_key().public_bytes(
                           serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, resign))
    assert report.signer == "VKSND tỉnh Bình An"


def test_items_against_the_law_are_refused_one_by_one(org, package):

    case, data = package
    key = exchange.local_key(case.unit)

    def bad_charge(files):  # type: ignore[no-untyped-def]
        record_json = json.loads(files["case.json"])
        record_json["charges"].append({"accused_ref": "a1", "article": "999", "clause": 1, "points": "", "title": "?"})
        files["case.json"] = json.dumps(record_json, ensure_ascii=False).encode()
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] == "case.json":
                entry["sha256"] = hashlib.sha256(files["case.json"]).hexdigest()
                entry["size"] = len(files["case.json"])
        files["manifest.json"] = json.dumps(manifest).encode()
        files["manifest.sig"] = base64.b64encode(exchange._sign(key, files["manifest.json"]))

    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"],
                                     data=_rebuild(data, bad_charge))
    assert any("Điều 999" in line for line in report.refused)
    assert report.case.charges.count() == 1


def test_not_a_zip_and_schema_violations(org, package, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, data = package
    client = as_user("kv1_ksv")
    response = client.post("/an-hinh-su/nhap-goi/", {
        "unit": org.units["kv1"].pk, "package": SimpleUploadedFile("goi.zip", b"hello", content_type="application/zip")})
    assert response.status_code == 400 and "không đọc được tệp ZIP" in response.content.decode()
    key = exchange.local_key(case.unit)

    def wrong_schema(files):  # type: ignore[no-untyped-def]
        record_json = json.loads(files["case.json"])
        record_json["case"]["received_on"] = "31/12/2026"
        files["case.json"] = json.dumps(record_json).encode()
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] == "case.json":
                entry["sha256"] = hashlib.sha256(files["case.json"]).hexdigest()
                entry["size"] = len(files["case.json"])
        files["manifest.json"] = json.dumps(manifest).encode()
        files["manifest.sig"] = base64.b64encode(exchange._sign(key, files["manifest.json"]))

    response = client.post("/an-hinh-su/nhap-goi/", {
        "unit": org.units["kv1"].pk,
        "package": SimpleUploadedFile("goi.zip", _rebuild(data, wrong_schema), content_type="application/zip")})
    assert "không đúng lược đồ JSON" in response.content.decode() and "case/received_on" in response.content.decode()
    ok = client.post("/an-hinh-su/nhap-goi/", {
        "unit": org.units["kv1"].pk, "package": SimpleUploadedFile("goi.zip", data, content_type="application/zip")})
    assert ok.status_code == 200 and "Được chấp nhận" in ok.content.decode()
