"""The register and list pages stay cheap as registers grow (docs/documents.md, "Performance"):
the number of queries of a page does not depend on how many rows it shows, and the rows keep
their links and badges. Timings are measured by benchmarks/documents.py, never here."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digitaldesk.core.text import fold
from digitaldesk.documents.models import Assignment, AssignmentRole, IncomingDocument, IncomingStatus

pytestmark = pytest.mark.django_db


def add_documents(org, count: int, *, start: int, urgency: str = "thuong") -> list[IncomingDocument]:  # type: ignore[no-untyped-def]
    """`count` register entries of VKSND tỉnh Thăng Hoa, in progress, Phòng 2 and anh Minh chủ trì."""
    tinh, p2 = org.units["tinh"], org.units["tinh_p2"]
    year = timezone.localdate().year
    documents = IncomingDocument.objects.bulk_create([IncomingDocument(
        unit=tinh, register="den", year=year, arrival_number=start + n, sender="Công an tỉnh Thăng Hoa",
        arrived_at=timezone.now(), code_notation=f"{start + n}/CV-CA", code_folded=fold(f"{start + n}/CV-CA"),
        doc_type="cong_van", subject=f"Đề nghị cung cấp tài liệu vụ án số {start + n}", urgency=urgency,
        status=IncomingStatus.IN_PROGRESS, registered_by=org.people["lan"],
        due_date=timezone.localdate() + dt.timedelta(days=10),
        search_folded=fold(f"{start + n}/CV-CA Công an tỉnh Thăng Hoa")) for n in range(count)])
    Assignment.objects.bulk_create(
        [Assignment(document=d, role=AssignmentRole.LEAD, unit=p2, unit_path=p2.path, assigned_by=org.people["huong"])
         for d in documents]
        + [Assignment(document=d, role=AssignmentRole.LEAD, user=org.people["minh"], unit_path=p2.path,
                      assigned_by=org.people["huong"]) for d in documents])
    return documents


PAGES = [("lan", "/van-ban/den/"), ("huong", "/van-ban/den/?trang_thai=dang_xu_ly"), ("minh", "/van-ban/den/"),
         ("minh", "/van-ban/"), ("lan", "/van-ban/di/")]


def page_queries(client, path: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    client.get(path)  # the first request of a session may write it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries.captured_queries), response.content.decode()


def test_queries_of_list_pages_do_not_grow_with_their_rows(org, as_user):
    clients = {who: as_user(who) for who in {who for who, _ in PAGES}}
    add_documents(org, 2, start=1)
    few = {(who, path): page_queries(clients[who], path) for who, path in PAGES}
    add_documents(org, 60, start=3)  # more than a page of 50
    for who, path in PAGES:
        count, html = page_queries(clients[who], path)
        assert count == few[(who, path)][0], f"{who} {path}: {few[(who, path)][0]} queries with 2 rows, {count} with 62"
    register = page_queries(clients["lan"], "/van-ban/den/")[1]
    assert "62/CV-CA" in register and "13/CV-CA" in register and "12/CV-CA" not in register  # page 1: 62 … 13
    assert "Trang sau" in register


def test_register_rows_link_to_their_entry_with_their_badges(org, as_user):
    normal = add_documents(org, 1, start=1)[0]
    urgent = add_documents(org, 1, start=2, urgency="hoa_toc")[0]
    IncomingDocument.objects.filter(pk=normal.pk).update(signature_ok=True)
    for who in ("lan", "minh"):
        html = as_user(who).get("/van-ban/den/").content.decode()
        assert html.count(f'href="/van-ban/den/{normal.pk}/"') == 2  # the số đến and the trích yếu
        assert html.count(f'href="/van-ban/den/{urgent.pk}/"') == 2
        assert '<span class="badge urg-hoa_toc">Hỏa tốc</span>' in html
        assert html.count('<span class="badge urg-') == 1  # "Thường" shows no badge
        assert '<span class="badge ok">Đã ký số</span>' in html
    home = as_user("minh").get("/van-ban/").content.decode()  # "Văn bản đến cần xử lý"
    assert f'href="/van-ban/den/{normal.pk}/"' in home and f'href="/van-ban/den/{urgent.pk}/"' in home
    assert '<span class="badge urg-hoa_toc">Hỏa tốc</span>' in home
    # The gate still decides: a Phòng 2 member who is not named sees neither entry.
    html = as_user("ktv").get("/van-ban/den/").content.decode()
    assert f"/van-ban/den/{normal.pk}/" not in html and f"/van-ban/den/{urgent.pk}/" not in html
