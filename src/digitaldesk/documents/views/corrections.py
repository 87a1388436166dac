"""Recall of an issued document and the start of a correcting or replacing one
(NĐ 30/2020, Điều 18).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from digitaldesk.accounts.models import User
from digitaldesk.documents import forms, selectors, services
from digitaldesk.documents.models import OutgoingDocument
from digitaldesk.documents.views.common import outgoing_action

RELATION_LABELS = {"dinh_chinh": "Đính chính", "thay_the": "Thay thế"}


def related_original(user: User, request: HttpRequest) -> tuple[OutgoingDocument | None, str]:
    raw = request.POST.get("related_to") or request.GET.get("lien_quan")
    relation = request.POST.get("relation") or request.GET.get("quan_he") or ""
    if not raw:
        return None, ""
    original = selectors.outgoing_for_user(user, raw)
    if relation not in RELATION_LABELS:
        raise Http404("Không có thao tác này.")
    if not selectors.can_correct(user, original):
        raise PermissionDenied(
            "Chỉ cán bộ của cơ quan ban hành được soạn văn bản đính chính, thay thế."
        )
    return original, relation


def correction_initial(original: OutgoingDocument | None, relation: str) -> dict[str, Any]:
    if original is None:
        return {}
    defaults = services.correction_defaults(original, relation)
    return {
        **defaults,
        "related_to": original.pk,
        "relation": relation,
        "recipients_internal": [u.pk for u in defaults["recipients_internal"]],
        "recipients_external": "\n".join(
            f"{name} <{email}>" for name, email in defaults["recipients_external"]
        ),
    }


@login_required
@require_POST
def outgoing_recall(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: OutgoingDocument) -> str:
        form = forms.RecallForm(request.POST)
        if not form.is_valid():
            raise ValidationError("Vui lòng ghi lý do thu hồi văn bản.")
        services.outgoing_recall(actor=user, document=document, reason=form.cleaned_data["reason"])
        return (
            f"Đã thu hồi văn bản {document.code_notation}. Bản điện tử tại các đơn vị nhận trên "
            "Bàn làm việc số đã được xóa; số văn bản vẫn giữ trong sổ."
        )

    return outgoing_action(request, pk, run)
