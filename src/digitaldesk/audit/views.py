"""The auditor's pages: search the log, export it, verify the chain."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from digitaldesk.audit import labels, selectors
from digitaldesk.audit.models import AuditEvent
from digitaldesk.audit.services import audit_record, audit_verify
from digitaldesk.core.exports import csv_row
from digitaldesk.core.roles import Role, roles_of


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Người thực hiện", required=False)
    action = forms.ChoiceField(label="Hành động", required=False, choices=())
    object_type = forms.ChoiceField(label="Loại đối tượng", required=False, choices=())
    object_id = forms.CharField(label="Số hiệu đối tượng", required=False)
    date_from = forms.DateField(
        label="Từ ngày", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Đến ngày", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = labels.action_choices()
        types = sorted(
            {(code, labels.object_type_label(code)) for code in selectors.object_types()},
            key=lambda item: item[1],
        )
        cast(forms.ChoiceField, self.fields["object_type"]).choices = [("", "Tất cả"), *types]


def _auditor(request: HttpRequest) -> None:
    roles = roles_of(request.user)
    if Role.AUDITOR not in roles and Role.ADMIN not in roles:
        raise PermissionDenied("Chỉ cán bộ thanh tra hoặc quản trị được xem nhật ký kiểm toán.")


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    # A field with a bad value (an unknown action, a date typed wrong) is left out; the others
    # still filter, and the form shows what was wrong.
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    events = selectors.audit_search(
        actor_query=data.get("actor") or "",
        action=data.get("action") or "",
        object_type=data.get("object_type") or "",
        object_id=data.get("object_id") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, events


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    form, events = _filtered(request)
    page = Paginator(events.select_related("actor"), 50).get_page(request.GET.get("trang"))
    audit_record(
        actor=request.user, action="audit.search", detail={k: v for k, v in request.GET.items()}
    )
    query = request.GET.copy()
    query.pop("trang", None)
    return render(
        request, "audit/list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def _detail_text(detail: Any) -> str:
    """The detail as JSON (double quotes, true/false/null, Vietnamese letters as they are), which
    a spreadsheet or a script reads, rather than Python's repr of a dict."""
    if detail in (None, {}, []):
        return ""
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV export (UTF-8 with BOM so Excel shows Vietnamese correctly), streamed."""
    _auditor(request)
    _, events = _filtered(request)
    audit_record(
        actor=request.user, action="audit.export", detail={k: v for k, v in request.GET.items()}
    )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow(
            [
                "STT",
                "Thời điểm",
                "Người thực hiện",
                "Hành động",
                "Mã hành động",
                "Loại đối tượng",
                "Mã loại đối tượng",
                "Số hiệu đối tượng",
                "Đối tượng",
                "Địa chỉ IP",
                "Chi tiết",
                "Mã băm",
            ]
        )
        for event in events.iterator(chunk_size=2000):
            # Names, labels and details are typed by users: no cell may open as a formula.
            yield writer.writerow(
                csv_row(
                    [
                        event.id,
                        timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M:%S"),
                        event.actor_label,
                        labels.action_label(event.action),
                        event.action,
                        labels.object_type_label(event.object_type),
                        event.object_type,
                        event.object_id,
                        event.object_label,
                        event.ip or "",
                        _detail_text(event.detail),
                        event.hash,
                    ]
                )
            )

    # The file name says the local time of the export, as the auditor's clock does.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nhat-ky-kiem-toan-{stamp}.csv"'
    return response


@login_required
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    result = audit_verify()
    audit_record(
        actor=request.user,
        action="audit.verify",
        detail={"ok": result.ok, "checked": result.checked, "first_bad_id": result.first_bad_id},
    )
    return render(request, "audit/verify.html", {"result": result})
