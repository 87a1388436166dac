"""Pages of the work calendar: thin (parse, gate, service, render). docs/schedule.md."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import Unit, UnitKind, User
from digitaldesk.audit.services import audit_record
from digitaldesk.cases.selectors import can_edit_case, case_for_user
from digitaldesk.core.storage import stream_file_response
from digitaldesk.schedule import export, ical, selectors, services
from digitaldesk.schedule.forms import EventForm, HearingForm, RoomForm
from digitaldesk.schedule.models import CalendarEvent, EventAttachment, FeedToken, Status


def _default_unit(user: User) -> Unit:
    unit = user.unit if user.unit_id else None
    if unit is None:
        raise Http404
    if selectors.is_general_office(unit) and unit.parent_id:
        return Unit.objects.get(pk=unit.parent_id)  # the office keeps its procuracy's calendar
    return unit


def _unit_param(request: HttpRequest, user: User) -> Unit:
    raw = request.GET.get("don-vi", "")
    if raw.isdigit():
        unit = Unit.objects.filter(pk=int(raw), is_active=True).first()
        if unit is None:
            raise Http404
        return unit
    return _default_unit(user)


def _day_param(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("ngay", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def week_view(request: AuthedRequest) -> HttpResponse:
    user = request.user
    unit = _unit_param(request, user)
    week = selectors.week(
        user, unit, _day_param(request), leaders=bool(request.GET.get("lanh-dao"))
    )
    template = "schedule/week_print.html" if request.GET.get("ban-in") else "schedule/week.html"
    return render(
        request,
        template,
        {
            "week": week,
            "unit": unit,
            "prev": week.first - dt.timedelta(days=7),
            "next": week.first + dt.timedelta(days=7),
            "can_approve": selectors.can_approve(user, unit),
            "sessions": selectors.SESSIONS,
            "live_channels": [f"calendar:{unit.pk}"],
            "units": Unit.objects.filter(is_active=True).exclude(kind=UnitKind.OFFICE),
        },
    )


@login_required
def month_view(request: AuthedRequest) -> HttpResponse:
    user = request.user
    unit = _unit_param(request, user)
    try:
        year, number = (int(p) for p in request.GET.get("thang", "").split("-"))
        first = dt.date(year, number, 1)
    except ValueError:
        first = timezone.localdate().replace(day=1)
    weeks = selectors.month(user, unit, first.year, first.month)
    return render(
        request,
        "schedule/month.html",
        {
            "unit": unit,
            "first": first,
            "weeks": weeks,
            "prev": (first - dt.timedelta(days=1)).replace(day=1),
            "next": (first + dt.timedelta(days=32)).replace(day=1),
            "weekdays": selectors.WEEKDAYS,
            "live_channels": [f"calendar:{unit.pk}"],
        },
    )


@login_required
def week_excel(request: AuthedRequest) -> HttpResponse:
    user = request.user
    unit = _unit_param(request, user)
    week = selectors.week(user, unit, _day_param(request))
    buffer = BytesIO()
    export.week_workbook(week).save(buffer)
    audit_record(
        actor=user, action="schedule.week_export", obj=unit, detail={"week": week.first.isoformat()}
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="lich-cong-tac-{week.first}.xlsx"'
    return response


def _form_page(
    request: AuthedRequest, form: EventForm, event: CalendarEvent | None, warnings: list[str]
) -> HttpResponse:
    return render(
        request, "schedule/event_form.html", {"form": form, "event": event, "warnings": warnings}
    )


def _save(request: AuthedRequest, event: CalendarEvent | None) -> HttpResponse:
    user = request.user
    initial: dict[str, Any] = {}
    if event is None:
        initial = {
            "unit": _default_unit(user),
            "day": _day_param(request),
            "start": dt.time(8, 0),
            "end": dt.time(11, 30),
        }
    else:
        local_start, local_end = (
            timezone.localtime(event.starts_at),
            timezone.localtime(event.ends_at),
        )
        initial = {
            "unit": event.unit,
            "title": event.title,
            "day": local_start.date(),
            "start": local_start.time(),
            "end": local_end.time(),
            "room": event.room,
            "place": event.place,
            "online_url": event.online_url,
            "chair": event.chair,
            "participants": list(event.participants.all()),
            "participant_units": list(event.participant_units.all()),
            "preparing_unit": event.preparing_unit,
            "notes": event.notes,
        }
    if request.method != "POST":
        return _form_page(request, EventForm(user=user, initial=initial), event, [])
    form = EventForm(request.POST, user=user, initial=initial)
    if not form.is_valid():
        return _form_page(request, form, event, [])
    data = form.event_data()
    people = [p.pk for p in data.participants] + ([data.chair.pk] if data.chair else [])
    warnings = selectors.conflicts_for(
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        room=data.room,
        people=people,
        exclude=event.pk if event else None,
    )
    if data.room is not None:
        expected = len(data.participants) + (1 if data.chair else 0)
        if expected > data.room.capacity:
            warnings.append(
                f"Phòng {data.room.name} chỉ có {data.room.capacity} chỗ, "
                f"thành phần có {expected} người."
            )
    if warnings and not form.cleaned_data.get("confirm"):
        # Warned before saving: nothing is written until the user confirms.
        return _form_page(request, form, event, warnings)
    try:
        if event is None:
            saved = services.event_create(actor=user, data=data)
            messages.success(request, "Đã lưu lịch (dự thảo). Văn phòng duyệt rồi công bố.")
        else:
            saved = services.event_update(actor=user, event_id=event.pk, data=data)
            messages.success(request, "Đã lưu thay đổi.")
    except ValidationError as error:
        form.add_error(None, error.messages[0])
        return _form_page(request, form, event, warnings)
    except PermissionDenied as error:
        form.add_error("unit", str(error))
        return _form_page(request, form, event, warnings)
    return redirect("schedule:event", saved.pk)


@login_required
def event_create(request: AuthedRequest) -> HttpResponse:
    if not selectors.editable_units(request.user).exists():
        raise PermissionDenied("Bạn không được lập lịch công tác.")
    return _save(request, None)


@login_required
def event_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_user(request.user, pk, edit=True)
    if event.status == Status.CANCELLED:
        messages.error(request, "Lịch đã hủy, không sửa được.")
        return redirect("schedule:event", pk)
    return _save(request, event)


@login_required
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_user(request.user, pk)
    return render(
        request,
        "schedule/event.html",
        {
            "event": event,
            "participants": event.participants.all(),
            "participant_units": event.participant_units.all(),
            "attachments": event.attachments.all(),
            "editor": selectors.can_edit(request.user, event.unit),
            "approver": selectors.can_approve(request.user, event.unit),
        },
    )


@login_required
@require_POST
def event_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_user(request.user, pk, edit=True)
    try:
        services.event_approve(actor=request.user, event_id=event.pk)
        messages.success(
            request, "Đã duyệt. Lịch sẽ hiện cho mọi người khi Văn phòng công bố tuần."
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    return redirect("schedule:event", pk)


@login_required
@require_POST
def event_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_user(request.user, pk, edit=True)
    services.event_cancel(actor=request.user, event_id=event.pk)
    messages.success(request, "Đã hủy lịch; người liên quan đã được báo.")
    return redirect("schedule:event", pk)


@login_required
@require_POST
def attachment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    event = selectors.event_for_user(request.user, pk, edit=True)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Hãy chọn tệp cần đính kèm.")
    else:
        try:
            services.attachment_add(actor=request.user, event_id=event.pk, upload=upload)
            messages.success(request, "Đã đính kèm tài liệu.")
        except ValidationError as error:
            messages.error(request, _message(error))
    return redirect("schedule:event", pk)


@login_required
def attachment_download(
    request: AuthedRequest, pk: int, attachment_id: int
) -> StreamingHttpResponse:
    event = selectors.event_for_user(request.user, pk)
    item = EventAttachment.objects.filter(pk=attachment_id, event=event).first()
    if item is None:
        raise Http404
    audit_record(
        actor=request.user,
        action="schedule.attachment_read",
        obj=event,
        detail={"attachment": item.pk},
    )
    return stream_file_response(str(item.file.name), item.name, request=request)


@login_required
@require_POST
def week_publish(request: AuthedRequest) -> HttpResponse:
    unit = _unit_param(request, request.user)
    first = _day_param(request)
    try:
        count = services.week_publish(actor=request.user, unit=unit, first=first)
    except PermissionDenied as error:
        messages.error(request, str(error))
        count = -1
    if count == 0:
        messages.info(request, "Không có lịch đã duyệt nào trong tuần để công bố.")
    elif count > 0:
        messages.success(request, f"Đã công bố {count} lịch; người liên quan đã được báo.")
    url = reverse("schedule:week")
    return redirect(f"{url}?don-vi={unit.pk}&ngay={selectors.week_start(first)}")


@login_required
def rooms(request: AuthedRequest) -> HttpResponse:
    user = request.user
    unit = _default_unit(user)
    can_manage = selectors.can_approve(user, unit)
    form = RoomForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Chỉ Văn phòng được khai báo phòng họp.")
        if form.is_valid():
            services.room_create(actor=user, unit=unit, **form.cleaned_data)
            messages.success(request, "Đã thêm phòng họp.")
            return redirect("schedule:rooms")
    day = _day_param(request)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    bookings = (
        CalendarEvent.objects.filter(
            room__in=selectors.rooms_for(user),
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=7),
        )
        .exclude(status=Status.CANCELLED)
        .select_related("room")
    )
    return render(
        request,
        "schedule/rooms.html",
        {
            "rooms": selectors.rooms_for(user),
            "form": form,
            "can_manage": can_manage,
            "bookings": bookings,
            "day": day,
        },
    )


@login_required
def hearing_create(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = case_for_user(request.user, case_id)
    if not can_edit_case(request.user, case):
        raise Http404
    form = HearingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        zone = timezone.get_current_timezone()
        try:
            services.hearing_schedule(
                actor=request.user,
                case=case,
                starts_at=dt.datetime.combine(data["day"], data["start"], tzinfo=zone),
                ends_at=dt.datetime.combine(data["day"], data["end"], tzinfo=zone),
                court=data["court"],
                courtroom=data["courtroom"],
                panel=data["panel"],
                notes=data["notes"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, "Đã ghi lịch xét xử; lịch hiện trên lịch công tác.")
            return redirect("cases:detail", case.pk)
    return render(request, "schedule/hearing_form.html", {"form": form, "case": case})


@login_required
def feeds(request: AuthedRequest) -> HttpResponse:
    user = request.user
    secret_url = ""
    if request.method == "POST":
        if request.POST.get("thu-hoi", "").isdigit():
            services.feed_token_revoke(actor=user, token_id=int(request.POST["thu-hoi"]))
            messages.success(
                request, "Đã thu hồi địa chỉ lịch; ứng dụng lịch dùng nó sẽ bị từ chối."
            )
            return redirect("schedule:feeds")
        unit = None
        if request.POST.get("don-vi", "").isdigit():
            unit = Unit.objects.filter(pk=int(request.POST["don-vi"]), is_active=True).first()
            if unit is None:
                raise Http404
        _, secret = services.feed_token_create(actor=user, unit=unit)
        secret_url = request.build_absolute_uri(reverse("schedule:ical", args=[secret]))
    tokens = FeedToken.objects.filter(owner=user, revoked_at__isnull=True).select_related("unit")
    return render(
        request,
        "schedule/feeds.html",
        {
            "tokens": tokens,
            "secret_url": secret_url,
            "default_unit": _default_unit(user),
        },
    )


def ical_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The iCalendar feed behind a secret address (no login: calendar apps cannot log in)."""
    token = services.feed_token_use(secret)
    if token is None:
        return HttpResponse(
            "Địa chỉ lịch không hợp lệ hoặc đã bị thu hồi.",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    now = timezone.now()
    start, end = now - dt.timedelta(days=60), now + dt.timedelta(days=366)
    if token.unit is not None:
        events, hearings = selectors.unit_feed(token.unit, start, end)
        name = f"Lịch công tác — {token.unit.name}"
    else:
        events, hearings = selectors.person_feed(token.owner, start, end)
        name = f"Lịch công tác — {token.owner.full_name}"
    response = HttpResponse(
        ical.feed(name, events, hearings), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="lich-cong-tac.ics"'
    return response


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return str(error.messages[0])
    return str(error)
