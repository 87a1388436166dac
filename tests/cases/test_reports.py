"""Statistics (screen, .xlsx, PDF) and the mind-map report (SVG, PNG, PDF), opened with real
readers."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from digitaldesk.cases import services, stats
from digitaldesk.cases.models import SourceKind
from digitaldesk.law.deadlines import EventKind as E

from .conftest import add_accused, ago, record

pytestmark = pytest.mark.django_db
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # Debian poppler-utils


def pdf_text(data: bytes) -> str:
    """The text of a PDF as the real poppler `pdftotext` reads it."""
    return subprocess.run(  # noqa: S603  (fixed argv)
        [PDFTOTEXT, "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()


@pytest.fixture
def unit_cases(org, make_case):
    minh, mai = org.people["minh"], org.people["mai"]
    fraud = make_case("minh", received=40, name="Lừa đảo qua mạng")
    record(minh, fraud, E.KHOI_TO_VU_AN, 35)
    person = add_accused(minh, fraud, "Nguyễn Thị Lụa")
    services.charge_add(actor=minh, case=fraud, article="174", clause=2, accused=person)
    record(minh, fraud, E.KHOI_TO_BI_CAN, 34, accused=person)
    record(minh, fraud, E.TAM_GIAM, 34, accused=person, months=2)
    theft = make_case(
        "mai", received=20, source=SourceKind.CASE, name="Trộm cắp tài sản", opened_on=ago(20)
    )
    thief = add_accused(mai, theft, "Lý Văn Tâm")
    services.charge_add(actor=mai, case=theft, article="173", clause=1, accused=thief)
    record(mai, theft, E.DINH_CHI_DIEU_TRA, 5)  # investigation closed (Điều 230)
    pending_report = make_case("mai", received=3, name="Tin báo chưa giải quyết")
    return fraud, theft, pending_report


def test_unit_statistics_tables(org, unit_cases):
    result = stats.unit_statistics(unit=org.units["tinh_p2"], date_from=ago(60), date_to=ago(0))
    tables = {t.key: t for t in result.tables}
    # reports: two received (fraud, pending); one resolved by opening the case
    assert tables["nguon_tin"].rows[0][1:] == [0, 2, 2, 1, 1]
    cases_row, accused_row = tables["vu_an"].rows
    assert cases_row[1:] == [0, 2, 2, 1, 1]  # fraud open, theft closed
    assert accused_row[1:] == [0, 2, 2, 1, 1]
    articles = {row[1]: row[2:] for row in tables["dieu_luat"].rows}
    assert articles["Điều 174. Tội lừa đảo chiếm đoạt tài sản"] == [1, 1]
    assert articles["Điều 173. Tội trộm cắp tài sản"] == [1, 1]
    by_person = {row[0]: row[1:] for row in tables["kiem_sat_vien"].rows}
    assert by_person["Hoàng Văn Minh"] == [1, 1, 0, 1] and by_person["Vũ Thị Mai"][0] == 2
    # the province's head sees the same figures for her whole subtree
    province = stats.unit_statistics(unit=org.units["tinh"], date_from=ago(60), date_to=ago(0))
    assert {t.key: t for t in province.tables}["vu_an"].rows[0][1:] == [0, 2, 2, 1, 1]


def test_exports_open_as_valid_xlsx_and_pdf(org, unit_cases, as_user):
    from openpyxl import load_workbook

    client = as_user("tp2")
    query = {
        "date_from": ago(60).isoformat(),
        "date_to": ago(0).isoformat(),
        "unit": org.units["tinh_p2"].pk,
    }
    page = client.get("/an-hinh-su/thong-ke/", query).content.decode()
    assert "<svg" in page and "Bảng 2. Thụ lý, giải quyết vụ án hình sự" in page
    xlsx = client.get("/an-hinh-su/thong-ke.xlsx", query)
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "Tong hop" and "Thống kê thụ lý" in book["Tong hop"]["A1"].value
    assert [c.value for c in book["Bang 2"][4]][:6] == ["Số vụ", 0, 2, 2, 1, 1]
    pdf = client.get("/an-hinh-su/thong-ke.pdf", query)
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    text = " ".join(text.split())  # table cells wrap lines
    assert (
        "Thụ lý, giải quyết vụ án hình sự" in text
        and "Điều 174. Tội lừa đảo chiếm đoạt tài sản" in text
    )
    # a prosecutor may read his own unit's statistics but not another unit's
    other = as_user("minh").get(
        "/an-hinh-su/thong-ke.xlsx", {**query, "unit": org.units["tinh_p1"].pk}
    )
    assert other.status_code == 400


def test_bad_period_is_refused(org, as_user):
    response = as_user("tp2").get(
        "/an-hinh-su/thong-ke/",
        {"date_from": "2026-05-01", "date_to": "2026-01-01", "unit": org.units["tinh_p2"].pk},
    )
    assert "“Từ ngày” phải trước hoặc bằng “Đến ngày”" in response.content.decode()


def test_mind_map_svg_png_pdf(org, unit_cases, as_user):
    from PIL import Image

    fraud = unit_cases[0]
    client = as_user("minh")
    page = client.get(f"/an-hinh-su/{fraud.pk}/so-do/").content.decode()
    assert 'id="mindmap-svg"' in page and "Nguyễn Thị Lụa" in page and "Thời hạn tạm giam" in page
    assert "style=" not in page.split('id="mindmap"')[1].split("</svg>")[0]  # CSP: no inline styles
    svg = client.get(f"/an-hinh-su/{fraud.pk}/so-do.svg")
    assert (
        svg["Content-Type"].startswith("image/svg+xml")
        and "khoản 2 Điều 174 BLHS" in svg.content.decode()
    )
    png = client.get(f"/an-hinh-su/{fraud.pk}/so-do.png")
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width > 600
    pdf = client.get(f"/an-hinh-su/{fraud.pk}/so-do.pdf")
    text = pdf_text(pdf.content)
    assert "Nguyễn Thị Lụa" in text and "Bị can" in text
