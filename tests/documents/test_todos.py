"""Work that closes itself (issue 13 item 5): the "cần bút phê" to-do of every leader closes when
one of them directs; a direction already given shows as given, a deputy cannot replace the
chief's, a change by the chief is explicit and audited; the registered deadline is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from digitaldesk.audit.models import AuditEvent
from digitaldesk.documents import files, services
from digitaldesk.documents.models import IncomingDocument
from digitaldesk.notifications.models import Notification
from tests.documents.conftest import NOTICE_93, make_pdf

pytestmark = pytest.mark.django_db


def test_direction_closes_the_to_do_and_is_changed_only_explicitly(
    org, as_user, django_capture_on_commit_callbacks
):
    due = timezone.localdate() + dt.timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        document = services.incoming_register(
            actor=org.people["lan"],
            upload=files.inspect_upload("93.pdf", make_pdf(NOTICE_93)),
            data=services.IncomingData(
                sender="Viện kiểm sát nhân dân tối cao",
                code_notation="93/TB-VKSTC",
                subject="Kết luận của Viện trưởng về chuyển đổi số",
                doc_type="thong_bao",
                due_date=due,
            ),
        )
    todo = Notification.objects.filter(title__contains="cần bút phê")
    leaders = set(todo.values_list("user_id", flat=True))
    assert {org.people["huong"].pk, org.people["pvt"].pk} <= leaders
    assert not todo.filter(done_at__isnull=False).exists()
    url = f"/van-ban/den/{document.pk}/phan-cong/"
    huong, pvt = as_user("huong"), as_user("pvt")
    direction = {"note": "Phòng 2 chủ trì", "lead_units": [org.units["tinh_p2"].pk]}

    # A different deadline is not taken silently: the registered one stays.
    later = (due + dt.timedelta(days=10)).isoformat()
    huong.post(url, {**direction, "due_date": later})
    document.refresh_from_db()
    assert document.due_date == due and not document.assignments.exists()

    huong.post(url, {**direction, "due_date": due.isoformat()})
    document.refresh_from_db()
    assert document.due_date == due and document.assignments.filter(active=True).count() == 1
    # Every leader's "cần bút phê" is closed, with who did it, and no longer unread.
    assert todo.count() == len(leaders) and not todo.filter(done_at__isnull=True).exists()
    assert not todo.filter(read_at__isnull=True).exists()
    assert all(n.done_note.startswith("Đã bút phê: ") for n in todo)

    # The deputy sees the direction as given, without a form to replace it, and cannot post one.
    page = pvt.get(f"/van-ban/den/{document.pk}/").content.decode()
    assert 'id="direction-given"' in page and "Phòng 2 chủ trì" in page
    assert "Thay đổi chỉ đạo</summary>" not in page and "Bút phê, phân công</summary>" not in page
    pvt.post(url, {**direction, "lead_units": [org.units["tinh_p1"].pk]})
    assert document.assignments.get(active=True).unit_id == org.units["tinh_p2"].pk

    # The chief changes it only with a reason; the change is audited, the old one kept.
    page = huong.get(f"/van-ban/den/{document.pk}/").content.decode()
    assert "Thay đổi chỉ đạo</summary>" in page
    change = {**direction, "lead_units": [org.units["tinh_p1"].pk], "due_date": due.isoformat()}
    huong.post(url, change)
    assert document.assignments.get(active=True).unit_id == org.units["tinh_p2"].pk
    huong.post(url, {**change, "change_reason": "Phòng 1 đang thụ lý vụ việc liên quan"})
    assert document.assignments.get(active=True).unit_id == org.units["tinh_p1"].pk
    assert AuditEvent.objects.filter(
        action="documents.incoming_direction_changed", object_id=str(document.pk)
    ).exists()
    # An explicit change of the deadline is recorded with the direction.
    huong.post(
        url,
        {**change, "due_date": later, "change_due": "on", "change_reason": "Gia hạn theo đề nghị"},
    )
    document = IncomingDocument.objects.get(pk=document.pk)
    assert document.due_date.isoformat() == later
    assert "Đổi hạn giải quyết từ" in document.actions.order_by("-pk")[0].note
