"""Scans fed sideways or upside down are shown upright (viewer, presentation mode and the
searchable copy): Tesseract reads the turned page, the pipeline records how it is turned
(`Page.rotation`), the viewer image is turned upright, the hit boxes with it, the searchable
PDF's page gets a /Rotate; the original is untouched."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image, ImageChops, ImageStat

from digitaldesk.casefiles import selectors
from digitaldesk.casefiles.jobs import ocr_job, prepare_job
from digitaldesk.casefiles.models import Page, PageState
from digitaldesk.ocr.samples import legal_paragraphs, render_page
from tests.conftest import login_client

from .conftest import pdf_bytes
from .test_pipeline import _upload

pytestmark = pytest.mark.django_db

# How each page is fed to the scanner (clockwise degrees), and the turn that makes it upright.
FED = [0, 90, 180, 270]
UPRIGHT = {0: 0, 90: 270, 180: 180, 270: 90}


def _difference(a: Image.Image, b: Image.Image) -> float:
    size = (240, round(240 * b.height / b.width))
    return float(
        ImageStat.Stat(
            ImageChops.difference(a.convert("L").resize(size), b.convert("L").resize(size))
        ).mean[0]
    )


@pytest.fixture(scope="module")
def upright_sheet() -> Image.Image:
    text = next(iter(legal_paragraphs(limit=1)))
    image = render_page(text, seed=11, max_lines=4, header="Trang số 1", dpi=150).image
    return image.crop((0, 0, image.width, image.height // 3))


def test_turned_scans_are_shown_upright_and_the_original_is_untouched(
    casefile: Any, org: Any, upright_sheet: Image.Image
) -> None:
    minh = org.people["minh"]
    turned = [upright_sheet.rotate(-deg, expand=True) for deg in FED]  # PIL turns counter-clockwise
    for image in turned:
        image.info["dpi"] = (150, 150)
    data = pdf_bytes(turned)
    upload = _upload(casefile, minh, data, "quet-lon-xon.pdf")
    prepare_job(lambda *a: None, upload_id=upload.pk)
    hashes = dict(Page.objects.filter(upload=upload).values_list("number", "content_hash"))
    ocr_job(lambda *a: None, upload_id=upload.pk)

    client = login_client(minh)
    pages = list(Page.objects.filter(upload=upload).order_by("number"))
    assert [p.state for p in pages] == [PageState.DONE] * 4
    assert [p.rotation for p in pages] == [UPRIGHT[deg] for deg in FED]
    for page, fed, _scan in zip(pages, FED, turned, strict=True):
        assert "Trang số 1" in page.text  # read whatever the way it was fed
        # The viewer image (as the browser gets it) is upright: it matches the upright sheet
        # far better than the scan as fed (or the sheet upside down).
        response = client.get(reverse("casefiles:page_image", args=[casefile.pk, page.but_luc]))
        assert response.status_code == 200
        shown = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        assert (
            shown.width < shown.height * 3 and shown.width > shown.height
        )  # landscape, like the sheet
        assert _difference(shown, upright_sheet) < 0.6 * _difference(
            shown, upright_sheet.rotate(180)
        ), fed
        # The hit boxes are drawn on the upright image: "Trang số 1" is the header, top left.
        boxes = selectors.highlight_boxes(page, "trang")
        assert boxes, page.words[:5]
        x, y, w, h = boxes[0]
        assert x < 0.4 and y < 0.35 and w > h, (fed, boxes)
        # The presentation mode gets the same upright image and boxes.
        payload = client.get(
            reverse("casefiles:page_data", args=[casefile.pk, page.but_luc]), {"q": "trang"}
        ).json()
        assert payload["boxes"][0] == boxes[0]
        # The original is untouched: the same bytes, the same page hash.
        assert page.content_hash == hashes[page.number]
    assert (
        hashlib.sha256(Path(upload.path).read_bytes()).hexdigest()
        == hashlib.sha256(data).hexdigest()
    )
    # The searchable copy shows every page upright too (rendered as a PDF reader would).
    upload.refresh_from_db()
    for number, fed in enumerate(FED, start=1):
        base = Path(upload.searchable_pdf).with_name(f"check-{number}")
        subprocess.run(  # noqa: S603  (fixed argv)
            [  # noqa: S607  (a Debian tool on PATH)
                "pdftoppm",
                "-f",
                str(number),
                "-l",
                str(number),
                "-r",
                "50",
                "-png",
                "-singlefile",
                upload.searchable_pdf,
                str(base),
            ],
            check=True,
            timeout=120,
        )
        with Image.open(base.with_suffix(".png")) as rendered:
            assert rendered.width > rendered.height, fed  # landscape, like the sheet
            assert _difference(rendered, upright_sheet) < 0.6 * _difference(
                rendered, upright_sheet.rotate(180)
            ), fed
    html = client.get(reverse("casefiles:page", args=[casefile.pk, 3])).content.decode()
    assert "rot-180" not in html  # no CSS turn on top of the upright image
