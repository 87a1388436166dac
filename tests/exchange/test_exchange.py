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
from digitaldesk.cases import services
from digitaldesk.cases.models import Case, CaseExchange, ComputedDeadline
from digitaldesk.exchange import package as package_format
from digitaldesk.exchange import services as exchange
from digitaldesk.law.deadlines import EventKind as E
from tests.cases.conftest import add_accused, ago, record

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
    services.charge_add(
        actor=minh,
        case=case,
        article="353",
        clause=2,
        points="d",
        accused=person,
        offence_on=ago(60),
    )
    events.event_record(
        actor=minh,
        case=case,
        data=events.EventData(
            kind=E.KHOI_TO_BI_CAN,
            on=ago(34),
            accused=person,
            number="09/QĐ-CSĐT",
            attachment=ContentFile(PDF, name="kt-bi-can.pdf"),
        ),
    )
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
    assert {
        "manifest.json",
        "manifest.sig",
        "signer.pem",
        "case.json",
        "schema/case-exchange.schema.json",
    } <= names
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    record_json = json.loads(archive.read("case.json"))
    assert (
        record_json["case"]["name"] == case.name and record_json["charges"][0]["article"] == "353"
    )
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
    assert imported.charges.get().offence_on == case.charges.get().offence_on == ago(60)
    assert imported.events.filter(kind=E.KHOI_TO_BI_CAN).get().attachment.read() == PDF
    assert ComputedDeadline.objects.filter(case=imported, kind="dieu_tra", running=True).exists()
    assert CaseExchange.objects.filter(case=imported, direction="nhap", accepted=True).exists()


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (
            lambda f: f.__setitem__(
                "case.json", f["case.json"].replace("Tham ô".encode(), "Tham nhũng".encode())
            ),
            "mã băm SHA-256 không khớp",
        ),
        (
            lambda f: f.__setitem__(
                "manifest.json",
                f["manifest.json"].replace(
                    f'"version": "{package_format.VERSION}"'.encode(), b'"version": "1.9"'
                ),
            ),
            "Chữ ký của bảng kê",
        ),
        (lambda f: f.__setitem__("documents/extra.pdf", PDF), "không nằm trong bảng kê"),
        (lambda f: f.pop("case.json"), "thiếu tệp bắt buộc case.json"),
    ],
)
def test_tampered_packages_are_refused(org, package, tamper, reason):
    _, data = package
    with pytest.raises(ValidationError) as info:
        exchange.package_import(
            actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, tamper)
        )
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
        files["signer.pem"] = intruder.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    with pytest.raises(ValidationError, match="khóa chưa được tin cậy"):
        exchange.package_import(
            actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, resign)
        )
    # once an administrator trusts that key, its packages are accepted
    exchange.key_trust(
        actor=org.people["dung"],
        label="VKSND tỉnh Bình An",
        public_pem=intruder.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    )
    report = exchange.package_import(
        actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, resign)
    )
    assert report.signer == "VKSND tỉnh Bình An"


def test_items_against_the_law_are_refused_one_by_one(org, package):

    case, data = package
    key = exchange.local_key_get_or_create(case.unit)

    def bad_charge(files):  # type: ignore[no-untyped-def]
        record_json = json.loads(files["case.json"])
        record_json["charges"].append(
            {"accused_ref": "a1", "article": "999", "clause": 1, "points": "", "title": "?"}
        )
        files["case.json"] = json.dumps(record_json, ensure_ascii=False).encode()
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] == "case.json":
                entry["sha256"] = hashlib.sha256(files["case.json"]).hexdigest()
                entry["size"] = len(files["case.json"])
        files["manifest.json"] = json.dumps(manifest).encode()
        files["manifest.sig"] = base64.b64encode(package_format.sign(key, files["manifest.json"]))

    report = exchange.package_import(
        actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, bad_charge)
    )
    assert any("Điều 999" in line for line in report.refused)
    assert report.case.charges.count() == 1


def test_not_a_zip_and_schema_violations(org, package, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, data = package
    client = as_user("kv1_ksv")
    response = client.post(
        "/an-hinh-su/nhap-goi/",
        {
            "unit": org.units["kv1"].pk,
            "package": SimpleUploadedFile("goi.zip", b"hello", content_type="application/zip"),
        },
    )
    assert response.status_code == 400 and "không đọc được tệp ZIP" in response.content.decode()
    key = exchange.local_key_get_or_create(case.unit)

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
        files["manifest.sig"] = base64.b64encode(package_format.sign(key, files["manifest.json"]))

    response = client.post(
        "/an-hinh-su/nhap-goi/",
        {
            "unit": org.units["kv1"].pk,
            "package": SimpleUploadedFile(
                "goi.zip", _rebuild(data, wrong_schema), content_type="application/zip"
            ),
        },
    )
    assert (
        "không đúng lược đồ JSON" in response.content.decode()
        and "case/received_on" in response.content.decode()
    )
    ok = client.post(
        "/an-hinh-su/nhap-goi/",
        {
            "unit": org.units["kv1"].pk,
            "package": SimpleUploadedFile("goi.zip", data, content_type="application/zip"),
        },
    )
    assert ok.status_code == 200 and "Được chấp nhận" in ok.content.decode()


# --- 1.1: documents of the documents app and digitised case files travel with the case ----------
def _scan_pdf(pages: int = 2) -> bytes:
    from digitaldesk.ocr.samples import legal_paragraphs, render_page

    images = []
    for n, text in enumerate(legal_paragraphs(limit=pages)):
        page = render_page(text, seed=n, max_lines=4, header=f"Trang số {n + 1}", dpi=150)
        image = page.image.crop((0, 0, page.image.width, page.image.height // 3))
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:], quality=85)
    return out.getvalue()


@pytest.fixture
def full_case(org, make_case, isolated_storage):  # type: ignore[no-untyped-def]
    """A case whose khởi tố decision is a registered incoming document, with a digitised case
    file."""
    from digitaldesk.casefiles import services as cf_services
    from digitaldesk.casefiles.jobs import ocr_job, prepare_job
    from digitaldesk.documents import files as doc_files
    from digitaldesk.documents import services as doc_services
    from tests.documents.conftest import make_pdf

    minh = org.people["minh"]
    original = make_pdf(
        ["CƠ QUAN CẢNH SÁT ĐIỀU TRA", "Số: 05/QĐ-CSĐT", "QUYẾT ĐỊNH KHỞI TỐ VỤ ÁN HÌNH SỰ"]
    )
    decision = doc_services.incoming_register(
        actor=org.people["lan"],
        upload=doc_files.inspect_upload("05-qd-csdt.pdf", original),
        data=doc_services.IncomingData(
            sender="Cơ quan CSĐT Công an tỉnh Thăng Hoa",
            code_notation="05/QĐ-CSĐT",
            subject="Quyết định khởi tố vụ án tham ô tài sản",
            doc_type="quyet_dinh",
        ),
    )
    doc_services.incoming_direct(
        actor=org.people["huong"],
        document=decision,
        direction=doc_services.Direction(note="KSV thụ lý", lead_users=[minh]),
    )
    case = make_case("minh", received=40, name="Tham ô tài sản tại Công ty X")
    record(minh, case, E.KHOI_TO_VU_AN, 35, number="05/QĐ-CSĐT", document=decision)
    casefile = cf_services.casefile_create(actor=minh, case=case, title="Hồ sơ vụ án tham ô")
    scan = _scan_pdf()
    upload = cf_services.upload_file(
        actor=minh,
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(scan),
        name="Bien ban hoi cung.pdf",
        size=len(scan),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == "done" and upload.searchable_pdf
    return case, decision, original, upload


def test_package_carries_linked_documents_and_digitised_files(org, full_case, as_user):
    from pathlib import Path

    from digitaldesk.casefiles.models import Page

    case, decision, original, upload = full_case
    data = exchange.package_export(actor=org.people["minh"], case=case)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["version"] == package_format.VERSION == "1.1"
    listed = {e["path"]: e["sha256"] for e in manifest["files"]}
    record_json = json.loads(archive.read("case.json"))
    linked = record_json["events"][-1]["linked_document"]
    assert (
        linked["number"] == "05/QĐ-CSĐT"
        and linked["kind"] == "incoming"
        and linked["file"].startswith("linked/")
    )
    assert archive.read(linked["file"]) == original  # the registered original, byte for byte
    assert listed[linked["file"]] == hashlib.sha256(original).hexdigest()
    entry = record_json["casefiles"][0]["files"][0]
    assert (entry["but_luc_from"], entry["but_luc_to"], entry["pages"]) == (1, 2, 2)
    assert archive.read(entry["pdf"]) == Path(upload.searchable_pdf).read_bytes()
    table = json.loads(archive.read(entry["page_table"]))
    assert [(p["but_luc"], p["sha256"]) for p in table["pages"]] == list(
        Page.objects.filter(upload=upload)
        .order_by("but_luc")
        .values_list("but_luc", "content_hash")
    )
    # the documents app and the case file record the export as downloads
    assert AuditEvent.objects.filter(
        action="documents.downloaded", object_id=str(decision.pk), detail__which="lien-thong"
    ).exists()
    assert AuditEvent.objects.filter(
        action="casefiles.download", detail__which="lien-thong"
    ).exists()

    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=data)
    assert not report.refused, report.refused
    imported = report.case
    event = imported.events.get(kind=E.KHOI_TO_VU_AN)
    assert event.attachment.read() == original and "05/QĐ-CSĐT" in event.note
    kept = {f["kind"]: f for f in report.files}
    assert {"event_document", "page_table", "casefile_pdf"} <= set(kept)
    from django.core.files.storage import default_storage

    assert default_storage.open(kept["casefile_pdf"]["stored"]).read() == archive.read(entry["pdf"])
    saved = CaseExchange.objects.get(case=imported, direction="nhap")
    assert saved.report["files"] == report.files and saved.report["version"] == "1.1"
    # the case page lists the received files; downloading one is audited; others get 404
    yen = as_user("kv1_ksv")
    page = yen.get(f"/an-hinh-su/{imported.pk}/").content.decode()
    assert "Tệp nhận theo gói liên thông" in page and "bút lục 1–2" in page
    url = f"/an-hinh-su/{imported.pk}/lien-thong/{saved.pk}/tep/{entry['pdf']}"
    response = yen.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == archive.read(
        entry["pdf"]
    )
    assert AuditEvent.objects.filter(
        action="cases.view_exchange_file", object_id=str(imported.pk)
    ).exists()
    assert (
        as_user("minh").get(url).status_code == 404
    )  # Minh (another procuracy) does not see the imported case
    assert (
        yen.get(
            f"/an-hinh-su/{imported.pk}/lien-thong/{saved.pk}/tep/casefiles/../case.json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("target", ["linked", "casefile_pdf", "page_table"])
def test_tampered_file_inside_the_package_is_refused_by_name(org, full_case, target):
    case, *_ = full_case
    data = exchange.package_export(actor=org.people["minh"], case=case)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    name = next(
        n
        for n in names
        if (
            n.startswith("linked/")
            if target == "linked"
            else n.startswith("casefiles/")
            and n.endswith(".json" if target == "page_table" else ".pdf")
        )
    )

    def tamper(files):  # type: ignore[no-untyped-def]
        files[name] = (
            files[name].replace(b"%%EOF", b"%%EOF\n% them mot dong\n", 1)
            if name.endswith(".pdf")
            else files[name].replace(b'"but_luc": 2', b'"but_luc": 3')
        )
        assert files[name] != zipfile.ZipFile(io.BytesIO(data)).read(name)

    with pytest.raises(ValidationError) as info:
        exchange.package_import(
            actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_rebuild(data, tamper)
        )
    message = " ".join(info.value.messages)
    assert f"Tệp {name} đã bị thay đổi" in message and "SHA-256" in message
    assert not Case.objects.filter(unit=org.units["kv1"]).exists()
    assert (
        CaseExchange.objects.get(direction="nhap", accepted=False).report["refused"][0] == message
    )


def _resign(data: bytes, key, change) -> bytes:  # type: ignore[no-untyped-def]
    """Change files, then update the manifest and sign it again with `key` (a trusted sender)."""

    def apply(files):  # type: ignore[no-untyped-def]
        change(files)
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = [
            {"path": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
            for name, content in sorted(files.items())
            if name not in ("manifest.json", "manifest.sig", "signer.pem")
        ]
        change_manifest = getattr(change, "manifest", None)
        if change_manifest:
            change_manifest(manifest)
        files["manifest.json"] = json.dumps(manifest).encode()
        files["manifest.sig"] = base64.b64encode(package_format.sign(key, files["manifest.json"]))

    return _rebuild(data, apply)


def test_inconsistent_page_table_is_refused_item_by_item(org, full_case):
    case, *_ = full_case
    data = exchange.package_export(actor=org.people["minh"], case=case)
    key = exchange.local_key_get_or_create(case.unit)

    def shorten(files):  # type: ignore[no-untyped-def]
        name = next(n for n in files if n.endswith("-but-luc.json"))
        table = json.loads(files[name])
        table["pages"] = table["pages"][
            :1
        ]  # a page left out of the table: bút lục 1 only, the PDF has 2
        files[name] = json.dumps(table).encode()

    report = exchange.package_import(
        actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=_resign(data, key, shorten)
    )
    assert any("bảng bút lục không liên tục" in line for line in report.refused)
    assert not [f for f in report.files if f["kind"] in ("page_table", "casefile_pdf")]
    assert report.case.events.filter(kind=E.KHOI_TO_VU_AN).exists()  # the rest is accepted


def test_previous_version_1_0_is_still_read(org, package):
    case, data = package
    key = exchange.local_key_get_or_create(case.unit)

    def as_1_0(files):  # type: ignore[no-untyped-def]
        record_json = json.loads(files["case.json"])
        record_json["version"] = "1.0"
        record_json.pop("casefiles")
        files["case.json"] = json.dumps(record_json, ensure_ascii=False).encode()

    as_1_0.manifest = lambda manifest: manifest.update(version="1.0")  # type: ignore[attr-defined]
    old = _resign(data, key, as_1_0)
    assert json.loads(zipfile.ZipFile(io.BytesIO(old)).read("manifest.json"))["version"] == "1.0"
    report = exchange.package_import(actor=org.people["kv1_ksv"], unit=org.units["kv1"], data=old)
    assert not report.refused and report.version == "1.0"
    assert report.case.events.filter(kind=E.KHOI_TO_BI_CAN).get().attachment.read() == PDF


def test_linked_document_the_exporter_may_not_see_travels_as_its_number_only(org, full_case):
    case, decision, original, _ = full_case
    services.assignment_add(actor=org.people["tp2"], case=case, user=org.people["ktv"], role="ksv")
    data = exchange.package_export(actor=org.people["ktv"], case=case)
    archive = zipfile.ZipFile(io.BytesIO(data))
    linked = json.loads(archive.read("case.json"))["events"][-1]["linked_document"]
    assert linked == {
        "kind": "incoming",
        "number": "05/QĐ-CSĐT",
        "issued_on": None,
        "issuer": "",
        "subject": "",
        "file": None,
    }
    assert not [n for n in archive.namelist() if n.startswith("linked/")]
    export = CaseExchange.objects.get(direction="xuat", case=case)
    assert any("không có quyền xem" in line for line in export.report["omitted"])


def test_a_stored_document_changed_on_disk_stops_the_export(org, full_case, as_user):
    case, decision, original, _ = full_case
    stored = decision.original
    with stored.file.storage.open(stored.file.name, "wb") as handle:
        handle.write(original.replace(b"%%EOF", b"%%EOF\n% sua tren dia\n", 1))
    response = as_user("minh").post(f"/an-hinh-su/{case.pk}/xuat-goi/")
    assert response.status_code == 400 and "không còn khớp mã băm" in response.content.decode()
    assert not CaseExchange.objects.filter(direction="xuat", case=case).exists()
