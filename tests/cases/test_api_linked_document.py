"""The REST API records an event citing a document of the documents app, through that app's gate,
and shows the citation like the timeline does (the reference only to those who may open it)."""

from __future__ import annotations

import pytest

from digitaldesk.cases.models import ProceduralEvent
from digitaldesk.law.deadlines import EventKind as E

from .conftest import ago
from .test_linked_documents import register

pytestmark = pytest.mark.django_db


def test_api_event_with_a_linked_document(org, make_case, as_user):
    decision = register(org, "05/QĐ-CSĐT", "Quyết định khởi tố vụ án tham ô tài sản tại Công ty X")
    hidden = register(org, "07/QĐ-CSĐT", "Lệnh tạm giữ", handler=None)
    case = make_case("minh", received=40, name="Tham ô tài sản tại Công ty X")
    client = as_user("minh")
    url = f"/api/v1/cases/{case.pk}/events"

    refused = client.post(
        url,
        {"kind": E.KHOI_TO_VU_AN, "on": ago(35).isoformat(), "document": f"den-{hidden.pk}"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "không có quyền xem" in refused.content.decode()
    assert not ProceduralEvent.objects.filter(
        case=case, kind=E.KHOI_TO_VU_AN
    ).exists()  # nothing half-saved

    created = client.post(
        url,
        {
            "kind": E.KHOI_TO_VU_AN,
            "on": ago(35).isoformat(),
            "number": "05/QĐ-CSĐT",
            "document": f"den-{decision.pk}",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["linked_document"]["ref"] == f"den-{decision.pk}"
    assert ProceduralEvent.objects.get(pk=created.json()["id"]).incoming_document_id == decision.pk

    def cited(username: str) -> dict:
        events = as_user(username).get(f"/api/v1/cases/{case.pk}").json()["events"]
        return next(e["linked_document"] for e in events if e["kind"] == E.KHOI_TO_VU_AN)

    assert cited("minh")["ref"] == f"den-{decision.pk}" and "05/QĐ-CSĐT" in cited("minh")["label"]
    # a colleague of the unit sees the case and the number, not a way to open the document
    colleague = cited("ktv")
    assert colleague["ref"] is None and "05/QĐ-CSĐT" in colleague["label"]
