"""Security of the case file through HTTP: the table of contents exported without live formulas,
playlists only by those who may change the case file (page and API), no-store on pages, API JSON
and downloads (issue 11, findings 7 and 8)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from digitaldesk.audit.models import AuditEvent
from digitaldesk.casefiles import services
from digitaldesk.casefiles.jobs import prepare_job
from digitaldesk.casefiles.models import Playlist
from tests.support.exports import csv_cells, csv_formula_cells, xlsx_formula_cells, xlsx_values

from .conftest import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(casefile: Any, org: Any, scan_pages: list) -> Any:
    """Three pages numbered (bút lục 1-3) in one document; no OCR needed here."""
    data = pdf_bytes([p.image for p in scan_pages[:3]])
    upload = services.upload_file(
        actor=org.people["minh"],
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(data),
        name="tap-1.pdf",
        size=len(data),
    )
    prepare_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    return upload


def test_toc_export_writes_typed_formulas_as_text_in_csv_and_xlsx(
    numbered: Any, casefile: Any, as_user: Any
) -> None:
    """GIVEN a document whose title, number, issuer and note an official typed as formulas,
    WHEN the table of contents is downloaded as CSV and as XLSX,
    THEN no cell is a formula: CSV cells carry a leading apostrophe, XLSX cells are text with the
    quote prefix and keep the value as typed; the bút lục numbers stay numbers."""
    client = as_user("minh")
    hostile = {
        "title": '=HYPERLINK("http://x","a")',
        "doc_number": "+1",
        "issuer": "@SUM(A1)",
        "note": "-2",
    }
    edit = client.post(
        reverse("casefiles:document_edit", args=[casefile.pk, numbered.document.pk]), hostile
    )
    assert edit.status_code == 302
    export = reverse("casefiles:toc_export", args=[casefile.pk])
    body = client.get(export, {"format": "csv"}).content
    assert csv_formula_cells(body) == []
    cells = csv_cells(body)
    for value in hostile.values():
        assert f"'{value}" in cells, value
    assert cells[cells.index("'@SUM(A1)") + 1 : cells.index("'@SUM(A1)") + 4] == ["1", "3", "3"]
    xlsx = client.get(export).content
    assert xlsx_formula_cells(xlsx) == []
    values = xlsx_values(xlsx)
    for value in hostile.values():
        assert value in values, value  # the register keeps what was typed, as text
    row = values[values.index("@SUM(A1)") + 1 : values.index("@SUM(A1)") + 4]
    assert row == [1, 3, 3]


def test_only_editors_create_playlists_through_the_page(
    numbered: Any, casefile: Any, as_user: Any, org: Any
) -> None:
    """GIVEN Mai, a colleague of the unit who may only read the case,
    WHEN she posts a playlist, THEN she gets the outsiders' 404, nothing is stored or audited, and
    her page offers no form; Minh (assigned) and the head of the unit may."""
    url = reverse("casefiles:playlist_create", args=[casefile.pk])
    form = {"title": "Phiên tòa sơ thẩm", "but_luc": "3, 1"}
    mai = as_user("mai")
    assert mai.get(reverse("casefiles:detail", args=[casefile.pk])).status_code == 200  # she reads
    refused = {key: as_user(key).post(url, form).status_code for key in ("mai", "kv1_ksv", "ksvcc")}
    assert refused == {"mai": 404, "kv1_ksv": 404, "ksvcc": 404}
    assert not Playlist.objects.exists()
    assert not AuditEvent.objects.filter(action="casefiles.playlist_create").exists()
    assert (
        "Lập danh sách"
        not in mai.get(reverse("casefiles:detail", args=[casefile.pk])).content.decode()
    )
    allowed = {key: as_user(key).post(url, form).status_code for key in ("minh", "tp2")}
    assert allowed == {"minh": 302, "tp2": 302}
    assert Playlist.objects.filter(casefile=casefile).count() == 2


def test_only_editors_create_playlists_through_the_api(
    numbered: Any, casefile: Any, org: Any
) -> None:
    url = f"/api/v1/casefiles/{casefile.pk}/playlists"
    payload = {"title": "Phiên tòa sơ thẩm", "but_luc": [3, 1], "hearing_date": "2026-05-20"}

    def api(key: str) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=org.people[key])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    refused = {key: api(key).post(url, payload, format="json") for key in ("mai", "kv1_ksv")}
    assert {key: r.status_code for key, r in refused.items()} == {"mai": 404, "kv1_ksv": 404}
    assert refused["mai"].json() == refused["kv1_ksv"].json()  # a reader learns nothing more
    assert not Playlist.objects.exists()
    created = api("minh").post(url, payload, format="json")
    assert created.status_code == 201, created.content
    playlist = Playlist.objects.get()
    assert [i.page.but_luc for i in playlist.items.order_by("order")] == [3, 1]
    bad = api("minh").post(url, {**payload, "but_luc": [99]}, format="json")
    assert bad.status_code == 400 and "Không có bút lục: 99" in str(bad.json())
    huge = api("minh").post(url, {**payload, "but_luc": [1] * 1001}, format="json")
    assert huge.status_code == 400 and "từ 1 đến 1000 bút lục" in str(huge.json())
    assert Playlist.objects.count() == 1


def test_case_file_page_api_json_and_download_are_never_stored(
    numbered: Any, casefile: Any, as_user: Any, org: Any
) -> None:
    """Case pages, API JSON and file downloads answer Cache-Control: no-store, private."""
    client = as_user("minh")
    responses = {
        "page": client.get(reverse("casefiles:detail", args=[casefile.pk])),
        "api": client.get(f"/api/v1/casefiles/{casefile.pk}"),
        "download": client.get(
            reverse("casefiles:download", args=[casefile.pk, numbered.pk, "goc"])
        ),
        "toc": client.get(reverse("casefiles:toc_export", args=[casefile.pk])),
    }
    token = Token.objects.create(user=org.people["minh"]).key
    responses["api_token"] = APIClient().get(
        f"/api/v1/casefiles/{casefile.pk}", HTTP_AUTHORIZATION=f"Token {token}"
    )
    headers = {name: (r.status_code, r.get("Cache-Control", "")) for name, r in responses.items()}
    assert all(
        status == 200 and "no-store" in cache and "private" in cache
        for status, cache in headers.values()
    ), headers
