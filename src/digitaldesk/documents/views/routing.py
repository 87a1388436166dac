"""Bút phê and chuyển xử lý of an incoming document (one form, two services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from digitaldesk.accounts.models import User
from digitaldesk.documents import forms, selectors, services
from digitaldesk.documents.models import IncomingDocument
from digitaldesk.documents.views.common import incoming_action


def _direction(form: Any) -> services.Direction:
    data = form.cleaned_data
    return services.Direction(
        note=data.get("note", ""),
        lead_users=list(data["lead_users"]),
        lead_units=list(data["lead_units"]),
        support_users=list(data["support_users"]),
        support_units=list(data["support_units"]),
        info_users=list(data["info_users"]),
        info_units=list(data["info_units"]),
        due_date=data["due_date"],
        change_due=data.get("change_due", False),
        change_reason=data.get("change_reason", ""),
    )


@login_required
@require_POST
def incoming_direct(request: HttpRequest, pk: int) -> HttpResponse:
    def run(user: User, document: IncomingDocument) -> str:
        forwarding = not selectors.can_direct(user, document)
        form = forms.DirectionForm(
            request.POST,
            users=selectors.assignable_users(user, document),
            units=selectors.assignable_units(user, document),
            leads=selectors.lead_candidates(user, document),
            forwarding=forwarding,
            changing=True,
        )
        if not form.is_valid():
            raise ValidationError(
                "Lựa chọn không hợp lệ: "
                + "; ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        if forwarding:
            services.incoming_forward(
                actor=user,
                document=document,
                direction=_direction(form),
                hand_over=form.cleaned_data.get("hand_over", False),
            )
            return "Đã chuyển văn bản."
        previous = selectors.current_direction(document)
        services.incoming_direct(actor=user, document=document, direction=_direction(form))
        return "Đã thay đổi chỉ đạo." if previous else "Đã bút phê, phân công xử lý."

    return incoming_action(request, pk, run)
