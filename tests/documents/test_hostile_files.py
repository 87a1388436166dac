"""Hostile files sent to documents through the real pages and API (issue 11): a DOCX
decompression bomb, a 30000 × 30000 PNG, a PDF of 2,000 blank pages, executable and
tricky file names; and LibreOffice confined (time, memory, nothing left running)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from digitaldesk.documents import files
from digitaldesk.documents.models import IncomingDocument, StoredFile
from digitaldesk.jobs.models import Job
from tests.documents.conftest import incoming_post, make_docx, make_pdf, upload
from tests.support.hostile import blank_pdf, docx_bomb, png_bomb, processes_carrying

pytestmark = pytest.mark.django_db
API = "/api/v1/documents/incoming"
GUESS = "/van-ban/den/doc-tep/"
REGISTER = "/van-ban/den/vao-so/"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return docx_bomb()


def assert_nothing_kept() -> None:
    assert IncomingDocument.objects.count() == 0
    assert StoredFile.objects.count() == 0
    assert Job.objects.count() == 0


def assert_number_not_consumed(client) -> None:  # type: ignore[no-untyped-def]
    ok = client.post(
        REGISTER,
        {**incoming_post(code_notation="1/X"), "file": upload("ok.pdf", make_pdf(["Tốt"]))},
    )
    assert ok.status_code == 302 and IncomingDocument.objects.get().arrival_number == 1


# --- 1. the DOCX bomb -------------------------------------------------------------------------
def test_a_docx_bomb_is_refused_on_the_register_page_before_anything_opens_it(org, as_user, bomb):
    lan = as_user("lan")
    response = lan.post(REGISTER, {**incoming_post(), "file": upload("bom.docx", bomb, files.DOCX)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "bom giải nén" in page and "word/document.xml" in page
    assert_nothing_kept()
    assert_number_not_consumed(lan)


def test_a_docx_bomb_is_refused_by_the_prefill_endpoint_and_the_api(org, as_user, bomb):
    lan = as_user("lan")
    guessed = lan.post(GUESS, {"file": upload("bom.docx", bomb, files.DOCX)})
    assert guessed.status_code == 400 and "bom giải nén" in guessed.json()["error"]
    api = lan.post(API, {**incoming_post(), "file": upload("bom.docx", bomb, files.DOCX)})
    assert api.status_code == 400 and "bom giải nén" in api.json()["file"][0]
    assert_nothing_kept()


# --- 2. the image bomb ------------------------------------------------------------------------
def test_an_image_bomb_gets_a_vietnamese_refusal_not_a_server_error(org, as_user):
    lan = as_user("lan")
    expected = "Ảnh quá lớn (900.000.000 điểm ảnh, tối đa 200.000.000 điểm ảnh)"
    guessed = lan.post(GUESS, {"file": upload("bom.png", png_bomb(), "image/png")})
    assert guessed.status_code == 400 and guessed.json()["error"].startswith(expected)
    api = lan.post(API, {**incoming_post(), "file": upload("bom.png", png_bomb(), "image/png")})
    assert api.status_code == 400 and api.json()["file"][0].startswith(expected)
    page = lan.post(
        REGISTER, {**incoming_post(), "file": upload("bom.png", png_bomb(), "image/png")}
    )
    assert page.status_code == 200 and "900.000.000 điểm ảnh" in page.content.decode()
    assert_nothing_kept()


# --- 3. pages ---------------------------------------------------------------------------------
def test_a_pdf_of_two_thousand_blank_pages_is_refused_before_a_number_is_given(org, as_user):
    lan = as_user("lan")
    data = blank_pdf(2000)
    assert len(data) < 600 * 1024
    api = lan.post(API, {**incoming_post(), "file": upload("trang.pdf", data)})
    assert api.status_code == 400
    assert api.json()["file"] == [files.too_many_pages_message(2000)]
    assert "2000 trang" in api.json()["file"][0] and "1000 trang" in api.json()["file"][0]
    guessed = lan.post(GUESS, {"file": upload("trang.pdf", data)})
    assert guessed.status_code == 400 and "2000 trang" in guessed.json()["error"]
    assert_nothing_kept()
    assert_number_not_consumed(lan)


@override_settings(DESK_MAX_PAGES_PER_UPLOAD=2)
def test_the_page_limit_is_the_setting_and_counts_image_frames_too(org, as_user):
    from PIL import Image

    lan = as_user("lan")
    refused = lan.post(
        API, {**incoming_post(), "file": upload("3.pdf", make_pdf(["Trang"], pages=3))}
    )
    assert (
        refused.status_code == 400 and "3 trang, vượt giới hạn 2 trang" in refused.json()["file"][0]
    )
    import io

    frames = [Image.new("L", (200, 200), 255) for _ in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    tiff = lan.post(
        API, {**incoming_post(), "file": upload("3.tif", buffer.getvalue(), "image/tiff")}
    )
    assert tiff.status_code == 400 and "3 trang" in tiff.json()["file"][0]
    assert_nothing_kept()
    ok = lan.post(API, {**incoming_post(), "file": upload("2.pdf", make_pdf(["Trang"], pages=2))})
    assert ok.status_code == 201


# --- 4. file names ----------------------------------------------------------------------------
def test_an_executable_name_is_refused_whatever_the_content(org, as_user, notice_pdf):
    lan = as_user("lan")
    response = lan.post(REGISTER, {**incoming_post(), "file": upload("hoso.pdf.exe", notice_pdf)})
    assert response.status_code == 200 and "đuôi .exe" in response.content.decode()
    api = lan.post(API, {**incoming_post(), "file": upload("setup.exe", notice_pdf)})
    assert api.status_code == 400 and "đuôi .exe" in api.json()["file"][0]
    assert_nothing_kept()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("..\\..\\Windows\\Tờ trình.pdf", "Tờ trình.pdf"),
        ("hoso\u202efdp.pdf", "hosofdp.pdf"),
        ("Quyết định.PDF", "Quyết định.pdf"),
        ("to-trinh.docx", "to-trinh.pdf"),  # a PDF inside: the name says what it really is
        ("cong-van", "cong-van.pdf"),
    ],
)
def test_stored_names_are_safe_and_carry_the_real_extension(
    org, as_user, notice_pdf, given, stored
):
    response = as_user("lan").post(API, {**incoming_post(), "file": upload(given, notice_pdf)})
    assert response.status_code == 201, response.content.decode()
    assert IncomingDocument.objects.get().original.name == stored


# --- 5. LibreOffice confined ------------------------------------------------------------------
@pytest.fixture
def lo_root(isolated_storage, settings):  # type: ignore[no-untyped-def]
    """LibreOffice's work directories live under DESK_DATA_DIR/tmp: every process started
    for this test carries that path in its command line."""
    return settings.DATA_DIR / "tmp"


def test_libreoffice_past_its_time_is_killed_with_soffice_bin(lo_root, settings):
    settings.LIBREOFFICE_TIMEOUT_SECONDS = 1
    document = make_docx([f"Đoạn {n}: nội dung công văn về chuyển đổi số." for n in range(3000)])
    with pytest.raises(files.ConversionFailed, match="quá 1 giây nên đã bị dừng"):
        files.to_pdf_with_libreoffice(document, ".docx")
    assert processes_carrying(lo_root) == []
    assert list((settings.DATA_DIR / "run" / "groups").iterdir()) == []


def test_libreoffice_over_its_memory_limit_fails_and_leaves_nothing(lo_root, settings):
    settings.LIBREOFFICE_MEMORY_MB = 64
    with pytest.raises(files.ConversionFailed):
        files.to_pdf_with_libreoffice(make_docx(["Công văn"]), ".docx")
    assert processes_carrying(lo_root) == []


def test_libreoffice_converts_and_leaves_nothing_running(lo_root):
    pdf = files.to_pdf_with_libreoffice(make_docx(["Công văn về chuyển đổi số"]), ".docx")
    assert pdf.startswith(b"%PDF") and "chuyển đổi số" in files.pdf_text(pdf)
    assert processes_carrying(lo_root) == []


def test_libreoffice_never_sees_a_bomb_whoever_calls_it(lo_root, bomb):
    with pytest.raises(files.ConversionFailed, match="bom giải nén"):
        files.to_pdf_with_libreoffice(bomb, ".docx")
    assert not lo_root.exists() or not any(lo_root.iterdir())
