"""A skewed scan in a case file (docs/ocr.md, "Skewed scans"): a digitally signed PDF whose page
was scanned 4 degrees off is read from a straightened copy, yet the file stays byte for byte what
was signed (signature valid, the page hash recorded with its bút lục unchanged); the page's skew
is recorded; the viewer shows the scan as stored and the hit boxes land on its words; the
searchable copy is a separate PDF/A carrying the scan's own image."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from django.urls import reverse
from PIL import Image, ImageChops, ImageStat

from digitaldesk.casefiles import selectors, services
from digitaldesk.casefiles.jobs import ocr_job, prepare_job
from digitaldesk.casefiles.models import Page, PageState
from digitaldesk.casefiles.processing import page_content_hash
from digitaldesk.ocr.samples import cer, legal_paragraphs, render_page
from tests.conftest import login_client

from .conftest import pdf_bytes
from .test_signed import _signature_valid, _signed

pytestmark = pytest.mark.django_db


def test_signed_skewed_scan_stays_byte_identical_and_is_read_straight(casefile, org, tmp_path):
    text = "\n".join(list(legal_paragraphs(limit=6))[3:6])
    sheet = render_page(text, seed=81, max_lines=24, skew_degrees=-4.0, header="Trang số 1")
    signed = _signed(pdf_bytes([sheet.image]), tmp_path)
    minh = org.people["minh"]
    upload = services.upload_file(
        actor=minh,
        casefile=casefile,
        volume=None,
        fileobj=io.BytesIO(signed),
        name="bien-ban-ky-so-quet-lech.pdf",
        size=len(signed),
    )
    assert upload.signed
    prepare_job(lambda *a: None, upload_id=upload.pk)
    recorded = Page.objects.get(upload=upload).content_hash
    ocr_job(lambda *a: None, upload_id=upload.pk)
    upload.refresh_from_db()
    page = Page.objects.get(upload=upload)

    # The evidence: the same bytes, a valid signature, the same page hash as recorded.
    stored = Path(upload.path)
    assert stored.read_bytes() == signed
    assert _signature_valid(stored)
    assert (
        page_content_hash(page.source_kind, stored, page.source_number)
        == recorded
        == page.content_hash
    )
    assert selectors.verify_pages(casefile) == []

    # Read straight, the skew recorded with the page.
    assert page.state == PageState.DONE and page.deskewed
    assert abs(page.skew + 4.0) < 0.3, page.skew
    assert page.rotation == 0
    assert cer(sheet.text, page.text) <= 0.01

    # The viewer shows the scan as stored (not straightened), the hit boxes on its words.
    client = login_client(minh)
    response = client.get(reverse("casefiles:page_image", args=[casefile.pk, page.but_luc]))
    shown = Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("L")
    with pikepdf.open(stored) as pdf:
        scan = (
            pikepdf.PdfImage(next(iter(pdf.pages[0].get_images().values())))
            .as_pil_image()
            .convert("L")
        )
    as_stored = ImageStat.Stat(ImageChops.difference(shown, scan.resize(shown.size))).mean[0]
    straight = scan.rotate(4.0, fillcolor=255).resize(shown.size)
    assert as_stored < 0.5 * ImageStat.Stat(ImageChops.difference(shown, straight)).mean[0]
    word = "người"
    places = [box for w, *box in sheet.words if unicodedata.normalize("NFC", w).casefold() == word]
    boxes = selectors.highlight_boxes(page, word)
    assert len(places) >= 3 and len(boxes) >= len(places)
    for x0, y0, x1, y1 in places:
        assert any(
            abs(x - x0) < 0.01
            and abs(y - y0) < 0.01
            and abs(x + w - x1) < 0.01
            and abs(y + h - y1) < 0.01
            for x, y, w, h in boxes
        ), ((x0, y0, x1, y1), boxes)
    paper = ImageStat.Stat(shown).median[0]
    for x, y, w, h in boxes:
        crop = shown.crop(
            (
                round(x * shown.width),
                round(y * shown.height),
                round((x + w) * shown.width),
                round((y + h) * shown.height),
            )
        )
        assert ImageStat.Stat(crop).mean[0] < paper - 25  # ink under every highlight
    payload = client.get(
        reverse("casefiles:page_data", args=[casefile.pk, page.but_luc]), {"q": word}
    ).json()
    assert payload["boxes"] == boxes  # presentation mode: the same boxes

    # The searchable copy: a separate PDF/A, the scan's own image, no signature, the text
    # searchable.
    copy = Path(upload.searchable_pdf)
    assert copy != stored
    with pikepdf.open(copy) as pdf, pikepdf.open(stored) as original:
        assert "/AcroForm" not in pdf.Root and pdf.open_metadata().pdfa_status == "2B"
        images = [x for x in pdf.pages[0].get_images().values() if x.get("/Subtype") == "/Image"]
        assert [x.read_raw_bytes() for x in images] == [
            x.read_raw_bytes() for x in original.pages[0].get_images().values()
        ]
    hits = selectors.casefile_search(minh, '"trang số 1"', casefile=casefile)
    assert [h.fields["but_luc"] for h in hits.hits] == [page.but_luc]

    # The page says it was read straightened, on the page and through the API.
    page_html = client.get(
        reverse("casefiles:page", args=[casefile.pk, page.but_luc])
    ).content.decode()
    assert "Độ nghiêng của ảnh quét" in page_html and "theo chiều kim đồng hồ" in page_html
    assert "ảnh gốc giữ nguyên" in page_html
    detail = client.get(f"/api/v1/casefiles/{casefile.pk}/pages/{page.but_luc}").json()
    assert detail["deskewed"] is True and abs(detail["skew"] + 4.0) < 0.3
