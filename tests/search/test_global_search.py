"""The desk's global search page (/tim-kiem/): cases, documents and case-file pages, each only
for those who may see them, with links, and audited as the owning app requires."""

from __future__ import annotations

import re

import pytest

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import services as case_services
from digitaldesk.cases.models import Case
from digitaldesk.documents import files
from digitaldesk.documents import services as doc_services
from tests.cases.conftest import ago
from tests.documents.conftest import make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(org, search_dir, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    minh = org.people["minh"]
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.case_register(
            actor=minh,
            data=case_services.IntakeData(
                unit=org.units["tinh_p2"],
                source="to_giac",
                name="Tham ô quỹ học bổng tại Trường Cao đẳng Thăng Hoa",
                received_on=ago(10),
            ),
        )
        case_services.accused_add(
            actor=minh, case=case, data=case_services.AccusedData(full_name="Quách Thị Nhàn")
        )
        restricted = case_services.case_register(
            actor=minh,
            data=case_services.IntakeData(
                unit=org.units["tinh_p2"],
                source="to_giac",
                name="Tham ô quỹ học bổng khuyến học",
                received_on=ago(9),
                restricted=True,
                leader_in_charge=org.people["pvt"],
            ),
        )
    document = doc_services.incoming_register(
        actor=org.people["lan"],
        upload=files.inspect_upload("hb.pdf", make_pdf(["Công văn về quỹ học bổng"])),
        data=doc_services.IncomingData(
            sender="Sở Giáo dục và Đào tạo",
            code_notation="12/SGD-KHTC",
            subject="Báo cáo sử dụng quỹ học bổng năm 2025",
        ),
    )
    doc_services.incoming_direct(
        actor=org.people["huong"],
        document=document,
        direction=doc_services.Direction(note="KSV xem xét", lead_users=[minh]),
    )
    return case, restricted, document


def test_cases_documents_and_pages_found_with_links(org, as_user, found):
    case, restricted, document = found
    page = as_user("minh").get("/tim-kiem/", {"q": "hoc bong"})
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        f'href="/an-hinh-su/{case.pk}/"' in html and f'href="/an-hinh-su/{restricted.pk}/"' in html
    )
    assert case.register_label in html and "<mark>" in html
    assert f'href="/van-ban/den/{document.pk}/"' in html
    assert (
        "Không tìm thấy trang hồ sơ nào bạn được xem." in html
    )  # the case-file section is there, empty
    audit = AuditEvent.objects.filter(action="cases.searched", actor=org.people["minh"]).get()
    assert (
        sorted(audit.detail["cases"]) == sorted([case.pk, restricted.pk])
        and audit.detail["q"] == "hoc bong"
    )
    assert AuditEvent.objects.filter(action="casefiles.search", actor=org.people["minh"]).exists()
    # an accused's name finds the case too; the nav leads to the page
    assert (
        f'href="/an-hinh-su/{case.pk}/"'
        in as_user("minh").get("/tim-kiem/", {"q": "Quách Nhàn"}).content.decode()
    )
    assert 'href="/tim-kiem/"' in html


def test_a_prosecutor_of_another_unit_does_not_find_them(org, as_user, found):
    case, restricted, document = found
    html = as_user("kv1_ksv").get("/tim-kiem/", {"q": "học bổng"}).content.decode()
    assert f"/an-hinh-su/{case.pk}/" not in html and f"/an-hinh-su/{restricted.pk}/" not in html
    assert f"/van-ban/den/{document.pk}/" not in html
    assert "Không tìm thấy vụ án nào bạn được xem." in html
    assert (
        AuditEvent.objects.filter(action="cases.searched", actor=org.people["kv1_ksv"])
        .get()
        .detail["cases"]
        == []
    )
    # a colleague of the unit finds the open case, not the restricted one; a leader above finds the
    # open one
    colleague = as_user("ktv").get("/tim-kiem/", {"q": "học bổng"}).content.decode()
    assert (
        f"/an-hinh-su/{case.pk}/" in colleague and f"/an-hinh-su/{restricted.pk}/" not in colleague
    )
    assert (
        f"/an-hinh-su/{case.pk}/"
        in as_user("huong").get("/tim-kiem/", {"q": "học bổng"}).content.decode()
    )


def test_the_gate_decides_over_a_stale_index(org, as_user, found):
    case, *_ = found
    # restricted behind the index's back (no re-index): the colleague's search must not show it
    Case.objects.filter(pk=case.pk).update(restricted=True)
    html = as_user("ktv").get("/tim-kiem/", {"q": "học bổng"}).content.decode()
    assert f"/an-hinh-su/{case.pk}/" not in html


def _case_links(html: str) -> int:
    return len(re.findall(r'href="/an-hinh-su/[0-9]+/"', html))


def test_one_section_paginates(org, as_user, found, django_capture_on_commit_callbacks):
    minh = org.people["minh"]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(21):
            case_services.case_register(
                actor=minh,
                data=case_services.IntakeData(
                    unit=org.units["tinh_p2"],
                    source="to_giac",
                    name=f"Trộm cắp xe máy số {n}",
                    received_on=ago(5),
                ),
            )
    client = as_user("minh")
    first = client.get("/tim-kiem/", {"q": "trộm cắp xe máy"}).content.decode()
    assert _case_links(first) == 5 and "Xem tất cả vụ án khớp" in first
    page1 = client.get("/tim-kiem/", {"q": "trộm cắp xe máy", "loai": "vu-an"}).content.decode()
    assert _case_links(page1) == 20 and "Trang sau" in page1 and 'id="van-ban"' not in page1
    page2 = client.get(
        "/tim-kiem/", {"q": "trộm cắp xe máy", "loai": "vu-an", "trang": "2"}
    ).content.decode()
    assert _case_links(page2) == 1 and "Trang trước" in page2
    assert client.get("/tim-kiem/", {"q": "x", "loai": "khac", "trang": "abc"}).status_code == 200
    assert "Tìm kiếm" in client.get("/tim-kiem/").content.decode()


def test_a_case_file_page_hit_says_which_case(org, as_user, found):
    """Issue 13 item 4: a hit on a case-file page names its case and case file."""
    from digitaldesk.casefiles import services as casefile_services
    from digitaldesk.casefiles.processing import SEARCH_KIND
    from digitaldesk.search import services as search

    case = found[0]
    casefile = casefile_services.casefile_create(
        actor=org.people["minh"], case=case, title="Hồ sơ vụ tham ô học bổng"
    )
    search.index(  # what processing.index_page writes for a read page
        SEARCH_KIND,
        "990001",
        title="Bút lục 3 — Biên bản ghi lời khai",
        body="Lời khai về việc chi quỹ học bổng",
        acl=[f"case:{case.pk}"],
        fields={"case_id": case.pk, "casefile_id": casefile.pk, "but_luc": 3, "page_id": 990001},
        unit_id=case.unit_id,
    )
    html = as_user("minh").get("/tim-kiem/", {"q": "loi khai hoc bong"}).content.decode()
    section = html[html.index('id="ho-so-so"') :]
    assert "Bút lục 3 — Biên bản ghi lời khai" in section
    assert f"— {case.register_label} — {case.name} · Hồ sơ vụ tham ô học bổng" in section
