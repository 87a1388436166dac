"""Case-file pages through HTTP: permissions, audit, search, viewer, downloads, presentation,
API."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.urls import reverse

from digitaldesk.audit.models import AuditEvent
from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import ocr_job, prepare_job
from digitaldesk.casefiles.models import Presentation, Upload

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def digitised(casefile, org, scan_pages):
    data = pdf_bytes([p.image for p in scan_pages[:2]])
    upload = services.upload_file(
        actor=org.people["minh"],
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name="Bien ban hoi cung.pdf",
        size=len(data),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def test_permissions_follow_the_case(digitised, casefile, as_user, case):
    detail = reverse("casefiles:detail", args=[casefile.pk])
    page = reverse("casefiles:page", args=[casefile.pk, 1])
    image = reverse("casefiles:page_image", args=[casefile.pk, 1])
    # Minh (assigned), Mai (same unit, not assigned: reads), the Trưởng phòng (leads the unit).
    for key in ("minh", "mai", "tp2"):
        client = as_user(key)
        assert client.get(detail).status_code == 200, key
        assert client.get(image)["Content-Type"] == "image/jpeg"
    # Outsiders: another unit of the province, a district office. Missing and forbidden look alike.
    for key in ("kv1_ksv", "ksvcc"):
        client = as_user(key)
        assert client.get(detail).status_code == 404, key
        assert client.get(page).status_code == 404
        assert client.get(image).status_code == 404
        results = client.get(reverse("casefiles:search"), {"q": "trang so 1"})
        assert b"cf-hit-link" not in results.content
    # Only editors upload: Mai reads but may not add pages.
    begin = reverse("casefiles:upload_begin", args=[casefile.pk])
    payload = json.dumps({"name": "x.pdf", "size": 10})
    assert as_user("mai").post(begin, payload, content_type="application/json").status_code == 404
    assert as_user("minh").post(begin, payload, content_type="application/json").status_code == 200
    # A restricted case hides its case file from the unit's colleagues.
    case.restricted = True
    case.save(update_fields=["restricted"])
    assert as_user("mai").get(detail).status_code == 404
    assert as_user("minh").get(detail).status_code == 200


def test_search_view_and_highlighted_page_and_audit(digitised, casefile, as_user, org):
    client = as_user("mai")
    response = client.get(reverse("casefiles:search"), {"q": "TRANG SO 2", "casefile": casefile.pk})
    html = response.content.decode()
    assert "Bút lục 2" in html and "<mark>" in html
    page = client.get(
        reverse("casefiles:page", args=[casefile.pk, 2]), {"q": '"trang số 2"'}
    ).content.decode()
    assert page.count('class="cf-hit"') == 3  # the three words boxed on the image
    client.get(reverse("casefiles:page_image", args=[casefile.pk, 2]))
    events = AuditEvent.objects.filter(actor=org.people["mai"], action__startswith="casefiles.")
    actions = {(e.action, e.detail.get("but_luc")) for e in events}
    assert ("casefiles.page_view", 2) in actions and ("casefiles.page_image", 2) in actions
    assert events.filter(action="casefiles.search").exists()


def test_downloads_are_audited_and_original_is_byte_identical(digitised, casefile, as_user, org):
    client = as_user("minh")
    original = client.get(reverse("casefiles:download", args=[casefile.pk, digitised.pk, "goc"]))
    body = b"".join(original.streaming_content)
    assert hashlib.sha256(body).hexdigest() == digitised.sha256
    searchable = client.get(
        reverse("casefiles:download", args=[casefile.pk, digitised.pk, "tim-kiem"])
    )
    assert b"".join(searchable.streaming_content).startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(action="casefiles.download", actor=org.people["minh"]).count()
        == 2
    )


def test_toc_edit_and_export(digitised, casefile, as_user):
    client = as_user("minh")
    document = digitised.document
    response = client.post(
        reverse("casefiles:document_edit", args=[casefile.pk, document.pk]),
        {
            "title": "Biên bản hỏi cung bị can Nguyễn Văn A",
            "doc_number": "12/BB",
            "doc_date": "2026-03-05",
            "issuer": "Cơ quan CSĐT",
            "note": "Bản chính",
        },
    )
    assert response.status_code == 302
    csv_text = client.get(
        reverse("casefiles:toc_export", args=[casefile.pk]), {"format": "csv"}
    ).content.decode()
    assert (
        "Biên bản hỏi cung bị can Nguyễn Văn A,12/BB,05/03/2026,Cơ quan CSĐT,1,2,2,Bản chính"
        in csv_text
    )
    xlsx = client.get(reverse("casefiles:toc_export", args=[casefile.pk]))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert (
        sheet.cell(3, 3).value == "Biên bản hỏi cung bị can Nguyễn Văn A"
        and sheet.cell(3, 7).value == 1
    )
    # Colleagues who only read cannot edit the table of contents.
    assert (
        as_user("mai")
        .post(reverse("casefiles:document_edit", args=[casefile.pk, document.pk]), {"title": "x"})
        .status_code
        == 404
    )


def test_chunked_upload_over_http(casefile, as_user, scan_pdf):
    client = as_user("minh")
    begin = client.post(
        reverse("casefiles:upload_begin", args=[casefile.pk]),
        json.dumps({"name": "tap2.pdf", "size": len(scan_pdf), "key": "k1"}),
        content_type="application/json",
    ).json()
    half = len(scan_pdf) // 2
    first = client.post(
        begin["chunk_url"] + "?offset=0", scan_pdf[:half], content_type="application/octet-stream"
    )
    assert first.json() == {"received": half}
    resumed = client.post(
        reverse("casefiles:upload_begin", args=[casefile.pk]),
        json.dumps({"name": "tap2.pdf", "size": len(scan_pdf), "key": "k1"}),
        content_type="application/json",
    ).json()
    assert resumed["id"] == begin["id"] and resumed["received"] == half
    client.post(
        begin["chunk_url"] + f"?offset={half}",
        scan_pdf[half:],
        content_type="application/octet-stream",
    )
    done = client.post(begin["finish_url"]).json()
    assert done == {"state": "queued", "error": "", "pages": 3, "first_but_luc": 1}
    assert Upload.objects.get(pk=begin["id"]).sha256 == hashlib.sha256(scan_pdf).hexdigest()


def test_presentation_presenter_drives_projector_follows(digitised, casefile, as_user, org):
    presenter = as_user("minh")
    response = presenter.post(reverse("casefiles:present_start", args=[casefile.pk]))
    presentation = Presentation.objects.get()
    assert response.url == reverse("casefiles:present", args=[presentation.pk])
    assert b"present-config" in presenter.get(response.url).content
    state_url = reverse("casefiles:present_state", args=[presentation.pk])
    projector = as_user("mai")  # the court display, signed in as someone who may see the case
    first = projector.get(state_url, {"v": -1}).json()
    assert first["state"]["but_luc"] == 1 and first["changed"]
    assert projector.get(state_url, {"v": first["version"]}).json() == {
        "version": first["version"],
        "changed": False,
    }
    shown = presenter.post(
        state_url,
        json.dumps(
            {
                "but_luc": 2,
                "mode": "pair",
                "second": 1,
                "zoom": [0.1, 0.1, 0.6, 0.5],
                "marks": [[0.2, 0.2, 0.3, 0.3]],
                "q": "trang so 2",
            }
        ),
        content_type="application/json",
    ).json()
    mirrored = projector.get(state_url, {"v": first["version"]}).json()
    assert mirrored["version"] == shown["version"] and mirrored["state"]["but_luc"] == 2
    assert mirrored["state"]["zoom"] == [0.1, 0.1, 0.6, 0.5] and mirrored["pages"]["2"]["boxes"]
    # Only the presenter drives; a bút lục outside the case file is refused.
    assert (
        projector.post(
            state_url, json.dumps({"but_luc": 1}), content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        presenter.post(
            state_url, json.dumps({"but_luc": 999}), content_type="application/json"
        ).status_code
        == 400
    )
    assert as_user("kv1_ksv").get(state_url).status_code == 404
    shows = AuditEvent.objects.filter(action="casefiles.present_show")
    assert shows.get().detail["but_luc"] == [1, 2]


def test_playlist_and_api(digitised, casefile, as_user):
    client = as_user("minh")
    client.post(
        reverse("casefiles:playlist_create", args=[casefile.pk]),
        {"title": "Phiên tòa 20/5", "but_luc": "2, 1"},
    )
    playlist = casefile.playlists.get()
    assert [i.page.but_luc for i in playlist.items.all()] == [2, 1]
    api = client.get(f"/api/v1/casefiles/{casefile.pk}").json()
    assert api["toc"][0]["but_luc_from"] == 1 and api["progress"]["percent"] == 100
    hits = client.get("/api/v1/casefiles/search", {"q": "trang so 1"}).json()
    assert hits["hits"][0]["but_luc"] == 1
    page = client.get(f"/api/v1/casefiles/{casefile.pk}/pages/1").json()
    assert "Trang số 1" in page["text"] and len(page["content_hash"]) == 64
    assert as_user("kv1_ksv").get(f"/api/v1/casefiles/{casefile.pk}").status_code == 404
    bad = client.post(
        f"/api/v1/casefiles/{casefile.pk}/uploads",
        {"file": io.BytesIO(b"GIF89a not supported")},
        format="multipart",
    )
    assert bad.status_code in (400, 422)
