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
from digitaldesk.documents.models import (
    Assignment,
    AssignmentRole,
    IncomingDocument,
    IncomingStatus,
)

pytestmark = pytest.mark.django_db


def add_documents(
    org, count: int, *, start: int, urgency: str = "thuong"
) -> list[IncomingDocument]:  # type: ignore[no-untyped-def]
    """`count` register entries of VKSND tỉnh Thăng Hoa, in progress, Phòng 2 and anh Minh chủ
    trì."""
    tinh, p2 = org.units["tinh"], org.units["tinh_p2"]
    year = timezone.localdate().year
    documents = IncomingDocument.objects.bulk_create(
        [
            IncomingDocument(
                unit=tinh,
                register="den",
                year=year,
                arrival_number=start + n,
                sender="Công an tỉnh Thăng Hoa",
                arrived_at=timezone.now(),
                code_notation=f"{start + n}/CV-CA",
                code_folded=fold(f"{start + n}/CV-CA"),
                doc_type="cong_van",
                subject=f"Đề nghị cung cấp tài liệu vụ án số {start + n}",
                urgency=urgency,
                status=IncomingStatus.IN_PROGRESS,
                registered_by=org.people["lan"],
                due_date=timezone.localdate() + dt.timedelta(days=10),
                search_folded=fold(f"{start + n}/CV-CA Công an tỉnh Thăng Hoa"),
            )
            for n in range(count)
        ]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                document=d,
                role=AssignmentRole.LEAD,
                unit=p2,
                unit_path=p2.path,
                assigned_by=org.people["huong"],
            )
            for d in documents
        ]
        + [
            Assignment(
                document=d,
                role=AssignmentRole.LEAD,
                user=org.people["minh"],
                unit_path=p2.path,
                assigned_by=org.people["huong"],
            )
            for d in documents
        ]
    )
    return documents


PAGES = [
    ("lan", "/van-ban/den/"),
    ("huong", "/van-ban/den/?trang_thai=dang_xu_ly"),
    ("minh", "/van-ban/den/"),
    ("minh", "/van-ban/"),
    ("lan", "/van-ban/di/"),
]


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
        assert count == few[(who, path)][0], (
            f"{who} {path}: {few[(who, path)][0]} queries with 2 rows, {count} with 62"
        )
    register = page_queries(clients["lan"], "/van-ban/den/")[1]
    assert (
        "62/CV-CA" in register and "13/CV-CA" in register and "12/CV-CA" not in register
    )  # page 1: 62 … 13
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
    assert (
        f'href="/van-ban/den/{normal.pk}/"' in home and f'href="/van-ban/den/{urgent.pk}/"' in home
    )
    assert '<span class="badge urg-hoa_toc">Hỏa tốc</span>' in home
    # The gate still decides: a Phòng 2 member who is not named sees neither entry.
    html = as_user("ktv").get("/van-ban/den/").content.decode()
    assert f"/van-ban/den/{normal.pk}/" not in html and f"/van-ban/den/{urgent.pk}/" not in html


def add_issued(org, count: int, *, start: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    """`count` issued outgoing documents of VKSND tỉnh Thăng Hoa (Kế hoạch nn/KH-VKSTH), each sent
    to KV1."""
    from digitaldesk.documents.models import OutgoingDocument, OutgoingStatus, Recipient

    tinh, year = org.units["tinh"], timezone.localdate().year
    documents = OutgoingDocument.objects.bulk_create(
        [
            OutgoingDocument(
                unit=tinh,
                drafting_unit=org.units["tinh_p2"],
                drafter=org.people["minh"],
                doc_type="ke_hoach",
                subject=f"Kế hoạch kiểm sát số {start + n}",
                status=OutgoingStatus.ISSUED,
                signer=org.people["huong"],
                signed_by=org.people["huong"],
                year=year,
                number=start + n,
                code_notation=f"{start + n:02d}/KH-VKSTH",
                issued_date=timezone.localdate(),
                search_folded=fold(f"Kế hoạch kiểm sát số {start + n}"),
            )
            for n in range(count)
        ]
    )
    Recipient.objects.bulk_create(
        [
            Recipient(document=d, kind="noi_bo", unit=org.units["kv1"], name=org.units["kv1"].name)
            for d in documents
        ]
    )
    return documents


def test_recalled_entries_carry_a_badge_in_the_registers_at_a_constant_query_count(org, as_user):
    """NĐ 30/2020 Điều 18: a recalled document keeps its line (and number) in the registers, marked
    "Đã thu hồi" there as on its own page — without a query per row."""
    from digitaldesk.documents.models import OutgoingDocument

    incoming = add_documents(org, 2, start=1)
    outgoing = add_issued(org, 2, start=1)
    now = timezone.now()
    IncomingDocument.objects.filter(pk=incoming[0].pk).update(
        recalled_at=now, status=IncomingStatus.DONE
    )
    OutgoingDocument.objects.filter(pk=outgoing[0].pk).update(recalled_at=now)
    lan, minh = as_user("lan"), as_user("minh")
    pages = [(lan, "/van-ban/den/"), (minh, "/van-ban/den/"), (lan, "/van-ban/di/")]
    few = [page_queries(client, path) for client, path in pages]
    for _count, html in few:
        assert html.count(">Đã thu hồi</span>") == 1, html[-4000:]
    incoming_html, outgoing_html = few[0][1], few[2][1]

    def row(html: str, marker: str) -> str:
        start = html.index(marker)
        return html[start : html.index("</tr>", start)]

    # On the recalled entry's own line, not on another one.
    assert ">Đã thu hồi</span>" in row(incoming_html, f'href="/van-ban/den/{incoming[0].pk}/"')
    assert ">Đã thu hồi</span>" not in row(incoming_html, f'href="/van-ban/den/{incoming[1].pk}/"')
    assert ">Đã thu hồi</span>" in row(outgoing_html, "01/KH-VKSTH")
    assert ">Đã thu hồi</span>" not in row(outgoing_html, "02/KH-VKSTH")
    # Many more rows, half of them recalled: the same number of queries.
    more_in, more_out = add_documents(org, 40, start=3), add_issued(org, 40, start=3)
    IncomingDocument.objects.filter(pk__in=[d.pk for d in more_in[::2]]).update(recalled_at=now)
    OutgoingDocument.objects.filter(pk__in=[d.pk for d in more_out[::2]]).update(recalled_at=now)
    for (client, path), (before, _html) in zip(pages, few, strict=True):
        count, html = page_queries(client, path)
        assert count == before, f"{path}: {before} queries with 2 rows, {count} with 42"
        assert html.count(">Đã thu hồi</span>") == 21
