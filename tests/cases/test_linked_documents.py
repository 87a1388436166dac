"""Procedural events that cite a document of the documents app: picking it (only documents the
prosecutor may see there), correcting the link, and the timeline that links it only for viewers
the documents app lets see it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from digitaldesk.audit.models import AuditEvent
from digitaldesk.cases import events
from digitaldesk.cases.models import ProceduralEvent
from digitaldesk.documents import files, services
from digitaldesk.law.deadlines import EventKind as E
from tests.documents.conftest import make_pdf

from .conftest import ago, record

pytestmark = pytest.mark.django_db


def register(
    org, code: str, subject: str, *, handler: str | None = "minh", secrecy: str = "thuong"
):  # type: ignore[no-untyped-def]
    """An incoming decision registered by the clerk Lan and (optionally) directed to `handler`."""
    pdf = make_pdf([code, subject])
    document = services.incoming_register(
        actor=org.people["lan"],
        upload=files.inspect_upload(f"{code.split('/')[0]}.pdf", pdf)
        if secrecy == "thuong"
        else None,
        data=services.IncomingData(
            sender="Cơ quan CSĐT Công an tỉnh Thăng Hoa",
            code_notation=code,
            subject=subject,
            doc_type="quyet_dinh",
            secrecy=secrecy,
        ),
        allow_duplicate=True,
    )
    if handler:
        services.incoming_direct(
            actor=org.people["huong"],
            document=document,
            direction=services.Direction(
                note="Chuyển KSV thụ lý", lead_users=[org.people[handler]]
            ),
        )
    return document


@pytest.fixture
def decision(org):  # type: ignore[no-untyped-def]
    return register(org, "05/QĐ-CSĐT", "Quyết định khởi tố vụ án tham ô tài sản tại Công ty X")


def test_picker_lists_only_documents_the_prosecutor_may_see(org, decision):
    minh, ktv = org.people["minh"], org.people["ktv"]
    other = register(
        org, "06/QĐ-CSĐT", "Quyết định khởi tố vụ án tham ô tài sản ở Công ty Y", handler=None
    )
    refs = [row["ref"] for row in events.linkable_documents(minh, "tham o")]
    assert refs == [f"den-{decision.pk}"]  # the undirected one is not Minh's to see
    assert [row["ref"] for row in events.linkable_documents(minh, "05/QĐ")] == [
        f"den-{decision.pk}"
    ]
    assert (
        events.linkable_documents(ktv, "tham ô") == []
    )  # a colleague of the unit who is not assigned
    assert {row["ref"] for row in events.linkable_documents(org.people["lan"], "tham ô")} == {
        f"den-{decision.pk}",
        f"den-{other.pk}",
    }  # the clerk sees the whole register
    with pytest.raises(ValidationError, match="không có quyền xem"):
        events.resolve_document(minh, f"den-{other.pk}")
    with pytest.raises(ValidationError, match="không có quyền xem"):
        events.resolve_document(minh, "den-abc")
    assert events.resolve_document(minh, "") is None


def test_record_with_a_linked_document_and_correct_it(org, make_case, decision):
    minh = org.people["minh"]
    case = make_case("minh", received=40, name="Tham ô tài sản tại Công ty X")
    event = record(minh, case, E.KHOI_TO_VU_AN, 35, number="05/QĐ-CSĐT", document=decision)
    assert event.incoming_document == decision and event.linked_document == decision
    assert AuditEvent.objects.filter(
        action="cases.event_recorded", object_id=str(case.pk), detail__document=f"den-{decision.pk}"
    ).exists()
    # someone who may not see the document cannot link it, even through the service
    second = register(org, "07/QĐ-CSĐT", "Lệnh tạm giữ", handler=None)
    with pytest.raises(ValidationError, match="không có quyền xem"):
        events.event_link_document(actor=minh, case=case, event_id=event.pk, document=second)
    # correction: remove the link, then link it again
    events.event_link_document(actor=minh, case=case, event_id=event.pk, document=None)
    assert ProceduralEvent.objects.get(pk=event.pk).linked_document is None
    events.event_link_document(actor=minh, case=case, event_id=event.pk, document=decision)
    assert ProceduralEvent.objects.get(pk=event.pk).incoming_document_id == decision.pk
    assert AuditEvent.objects.filter(action="cases.event_document_linked").count() == 2
    # the register keeps the decision the timeline cites (PROTECT)
    with pytest.raises(ProtectedError):
        decision.delete()


def test_secret_documents_are_not_linkable(org):
    secret = register(org, "01/QĐ-CSĐT", "Quyết định mật", handler=None, secrecy="mat")
    assert events.linkable_documents(org.people["lan"], "01/QĐ") == []
    with pytest.raises(ValidationError):
        events.resolve_document(org.people["lan"], f"den-{secret.pk}")


def test_event_form_picker_and_timeline_links_only_for_who_may_see(
    org, as_user, make_case, decision
):
    case = make_case("minh", received=40, name="Tham ô tài sản tại Công ty X")
    minh = as_user("minh")
    picker = minh.get(
        f"/an-hinh-su/{case.pk}/van-ban-lien-ket/", {"doc_q": "05/QĐ", "field": "evt-document"}
    )
    assert picker.status_code == 200
    assert (
        f'value="den-{decision.pk}"' in picker.content.decode()
        and 'name="evt-document"' in picker.content.decode()
    )
    # a viewer who may not edit the case gets no picker
    assert (
        as_user("ktv").get(f"/an-hinh-su/{case.pk}/van-ban-lien-ket/", {"q": "05"}).status_code
        == 403
    )
    response = minh.post(
        f"/an-hinh-su/{case.pk}/dien-bien/",
        {
            "evt-kind": E.KHOI_TO_VU_AN,
            "evt-on": ago(35).isoformat(),
            "evt-number": "05/QĐ-CSĐT",
            "evt-document": f"den-{decision.pk}",
        },
    )
    assert response.status_code == 302
    event = ProceduralEvent.objects.get(case=case, kind=E.KHOI_TO_VU_AN)
    assert event.incoming_document_id == decision.pk and not event.attachment
    page = minh.get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert f'href="/van-ban/den/{decision.pk}/"' in page and "Văn bản liên kết" in page
    # Ngân (Phòng 2, not assigned) sees the case but not the document: number only
    other_view = as_user("ktv").get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "05/QĐ-CSĐT" in other_view and "không có quyền xem" in other_view
    assert f"/van-ban/den/{decision.pk}/" not in other_view
    assert (
        as_user("ktv").get(f"/van-ban/den/{decision.pk}/").status_code == 404
    )  # the documents app's gate


def test_bad_link_keeps_the_form_and_says_why(org, as_user, make_case, decision):
    case = make_case("minh", received=40)
    hidden = register(org, "08/QĐ-CSĐT", "Quyết định không giao cho Minh", handler=None)
    response = as_user("minh").post(
        f"/an-hinh-su/{case.pk}/dien-bien/",
        {
            "evt-kind": E.KHOI_TO_VU_AN,
            "evt-on": ago(35).isoformat(),
            "evt-number": "08/QĐ-CSĐT",
            "evt-document": f"den-{hidden.pk}",
        },
    )
    assert response.status_code == 400 and "không có quyền xem" in response.content.decode()
    assert 'value="08/QĐ-CSĐT"' in response.content.decode()  # nothing typed is lost
    assert not ProceduralEvent.objects.filter(case=case, kind=E.KHOI_TO_VU_AN).exists()
    # an event refused by the Code keeps the picked document selected
    refused = as_user("minh").post(
        f"/an-hinh-su/{case.pk}/dien-bien/",
        {
            "evt-kind": E.KHOI_TO_VU_AN,
            "evt-on": ago(-3).isoformat(),
            "evt-document": f"den-{decision.pk}",
        },
    )
    assert (
        refused.status_code == 400
        and f'value="den-{decision.pk}" checked' in refused.content.decode()
    )


def test_correct_the_link_through_the_page(org, as_user, make_case, decision):
    minh = org.people["minh"]
    case = make_case("minh", received=40)
    event = record(minh, case, E.KHOI_TO_VU_AN, 35, number="05/QĐ-CSĐT")
    client = as_user("minh")
    url = f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban-lien-ket/"
    form = client.get(url)
    assert form.status_code == 200 and "Đang liên kết: chưa có." in form.content.decode()
    assert as_user("ktv").get(url).status_code == 403
    hidden = register(org, "09/QĐ-CSĐT", "Quyết định không giao cho Minh", handler=None)
    refused = client.post(url, {"document": f"den-{hidden.pk}"})
    assert refused.status_code == 400 and "không có quyền xem" in refused.content.decode()
    assert client.post(url, {}).status_code == 400  # nothing chosen: said so, nothing changed
    response = client.post(
        f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban-lien-ket/",
        {"document": f"den-{decision.pk}"},
    )
    assert response.status_code == 302
    assert ProceduralEvent.objects.get(pk=event.pk).incoming_document_id == decision.pk
    denied = as_user("ktv").post(
        f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban-lien-ket/", {"remove": "1"}
    )
    assert denied.status_code == 403
    assert ProceduralEvent.objects.get(pk=event.pk).incoming_document_id == decision.pk
    assert "Sửa văn bản liên kết" in client.get(f"/an-hinh-su/{case.pk}/").content.decode()
    assert "05/QĐ-CSĐT" in client.get(url).content.decode()
    client.post(f"/an-hinh-su/{case.pk}/dien-bien/{event.pk}/van-ban-lien-ket/", {"remove": "1"})
    assert ProceduralEvent.objects.get(pk=event.pk).incoming_document_id is None
