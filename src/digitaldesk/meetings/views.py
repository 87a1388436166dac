"""Pages of the meeting room: thin views over selectors (gates) and services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.accounts.models import User
from digitaldesk.audit.services import audit_record
from digitaldesk.core.storage import stream_file_response
from digitaldesk.documents.models import StoredFile
from digitaldesk.meetings import checkin, jitsi, minutes, selectors, services
from digitaldesk.meetings.models import AgendaItem, Choice, Meeting, PrivateNote, Vote, VoteMode
from digitaldesk.meetings.services import MeetingError


def _colleagues(user: User) -> list[User]:
    from digitaldesk.accounts.selectors import users_visible_to

    return list(users_visible_to(user).filter(is_active=True).order_by("name_sort_key")[:2000])


def _room_context(request: AuthedRequest, meeting: Meeting) -> dict[str, Any]:
    user = request.user
    items = selectors.items_of(meeting)
    current = next((i for i in items if i.pk == meeting.current_item_id), None)
    votes = list(Vote.objects.filter(item__meeting=meeting).select_related("item"))
    note = (
        PrivateNote.objects.filter(item=current, author=user).first()
        if current is not None
        else None
    )
    return {
        "votes": [(v, selectors.vote_result(v), selectors.has_voted(user, v)) for v in votes],
        "choices": Choice.choices,
        "note": note.text if note else "",
        "meeting": meeting,
        "items": items,
        "current": current,
        "manager": selectors.can_manage(user, meeting),
        "is_chair": selectors.is_chair(user, meeting),
        "me": selectors.participant_of(user, meeting),
        "quorum": selectors.quorum(meeting),
        "document_count": selectors.document_count(meeting),
        "live_channels": [f"meeting:{meeting.pk}"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        starts = parse_datetime(request.POST.get("starts_at", ""))
        colleagues = {u.pk: u for u in _colleagues(user)}
        chosen = [
            colleagues[int(i)]
            for i in request.POST.getlist("participants")
            if i.isdigit() and int(i) in colleagues
        ]
        chair = colleagues.get(int(request.POST.get("chair") or 0))
        if starts is None or chair is None:
            messages.error(request, "Hãy nhập thời gian bắt đầu và chọn người chủ trì.")
        else:
            if timezone.is_naive(starts):
                starts = timezone.make_aware(starts)
            try:
                meeting = services.meeting_create(
                    actor=user,
                    title=request.POST.get("title", ""),
                    starts_at=starts,
                    place=request.POST.get("place", ""),
                    chair=chair,
                    secretary=user,
                    participants=chosen,
                    online=request.POST.get("online") == "1",
                )
            except MeetingError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Đã lên lịch cuộc họp và gửi giấy mời.")
                return redirect("meetings:detail", meeting.pk)
    meetings = selectors.meetings_visible_to(user).select_related("chair")[:100]
    return render(
        request,
        "meetings/home.html",
        {"meetings": meetings, "colleagues": _colleagues(user), "now": timezone.localtime()},
    )


@login_required
@require_GET
def detail(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    context = _room_context(request, meeting)
    context["modes"] = VoteMode.choices
    context["colleagues"] = _colleagues(request.user) if context["manager"] else []
    context["participants"] = meeting.participants.select_related("user").order_by(
        "user__name_sort_key"
    )
    return render(request, "meetings/detail.html", context)


@login_required
@require_GET
def panel(request: AuthedRequest, meeting_id: int, part: str) -> HttpResponse:
    """A live part of the room page, refetched by htmx when its event arrives (docs/live.md)."""
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    if part not in ("hien-tai", "diem-danh", "bieu-quyet"):
        raise Http404("Không có phần này.")
    context = _room_context(request, meeting)
    template = {"hien-tai": "_current", "diem-danh": "_attendance", "bieu-quyet": "_votes"}[part]
    return render(request, f"meetings/{template}.html", context)


def _item(meeting: Meeting, value: str | None) -> AgendaItem:
    item = (
        AgendaItem.objects.filter(meeting=meeting, pk=int(value)).first()
        if value and value.isdigit()
        else None
    )
    if item is None:
        raise MeetingError("Mục chương trình không còn trong cuộc họp.")
    item.meeting = meeting
    return item


def _vote(meeting: Meeting, value: str | None) -> Vote:
    vote = (
        Vote.objects.filter(item__meeting=meeting, pk=int(value)).first()
        if value and value.isdigit()
        else None
    )
    if vote is None:
        raise MeetingError("Không tìm thấy biểu quyết.")
    return vote


def _back(request: AuthedRequest, meeting: Meeting) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
        return HttpResponse(status=204)
    return redirect("meetings:detail", meeting.pk)


@login_required
@require_POST
def manage(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The chair's and secretary's actions, named by the `action` field."""
    user = request.user
    meeting = selectors.meeting_for_user(user, meeting_id)
    if not selectors.can_manage(user, meeting):
        raise PermissionDenied("Chỉ chủ trì hoặc thư ký cuộc họp được thực hiện thao tác này.")
    action, post = request.POST.get("action", ""), request.POST
    try:
        if action == "item_add":
            presenter = User.objects.filter(pk=int(post.get("presenter") or 0)).first()
            services.item_add(
                actor=user, meeting=meeting, title=post.get("title", ""), presenter=presenter
            )
        elif action == "document_add":
            upload = request.FILES.get("file")
            if upload is None:
                raise MeetingError("Hãy chọn tệp PDF hoặc DOCX.")
            services.document_upload(
                actor=user,
                item=_item(meeting, post.get("item")),
                name=upload.name or "",
                data=upload.read(),
            )
        elif action == "document_link":
            services.document_link_incoming(
                actor=user, item=_item(meeting, post.get("item")), incoming_id=post.get("incoming")
            )
        elif action == "document_remove":
            services.document_remove(
                actor=user,
                document=selectors.item_document_for_user(user, meeting, post.get("document")),
            )
        elif action == "roll_call":
            services.roll_call(
                actor=user,
                meeting=meeting,
                user_id=int(post.get("user") or 0),
                present=post.get("present") == "1",
                reason=post.get("reason", ""),
            )
        elif action == "open":
            services.meeting_open(actor=user, meeting=meeting)
        elif action == "advance":
            services.meeting_advance(
                actor=user, meeting=meeting, item_id=_item(meeting, post.get("item")).pk
            )
        elif action == "vote_open":
            services.vote_open(
                actor=user,
                item=_item(meeting, post.get("item")),
                question=post.get("question", ""),
                mode=post.get("mode", ""),
            )
        elif action == "vote_close":
            services.vote_close(actor=user, vote=_vote(meeting, post.get("vote")))
        elif action == "conclusion":
            owner = User.objects.filter(pk=int(post.get("owner") or 0)).first()
            services.conclusion_add(
                actor=user,
                item=_item(meeting, post.get("item")),
                text=post.get("text", ""),
                owner=owner,
                deadline=parse_date(post.get("deadline", "")),
            )
        elif action == "evaluate":
            services.meeting_evaluate(
                actor=user,
                meeting=meeting,
                evaluation=post.get("evaluation", ""),
                resolution=post.get("resolution", ""),
            )
        elif action == "close":
            services.meeting_close(
                actor=user, meeting=meeting, require_evaluation=meeting.min_documents > 0
            )
        elif action == "minutes":
            minutes.minutes_generate(actor=user, meeting=meeting)
            messages.success(request, "Đã lập biên bản (PDF).")
        elif action == "minutes_sign":
            minutes.minutes_sign(actor=user, meeting=meeting, passphrase=post.get("passphrase", ""))
            messages.success(request, "Đã ký số biên bản.")
        else:
            return HttpResponseBadRequest("Thao tác không hợp lệ.")
    except MeetingError as exc:
        if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
            return HttpResponse(str(exc), status=400)
        messages.error(request, str(exc))
    return _back(request, meeting)


@login_required
@require_POST
def take_part(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """A participant's own actions: answer the invitation, note, opinion, ballot."""
    user = request.user
    meeting = selectors.meeting_for_user(user, meeting_id)
    action, post = request.POST.get("action", ""), request.POST
    try:
        if action == "rsvp":
            services.rsvp_set(
                actor=user,
                meeting=meeting,
                attend=post.get("attend") == "1",
                reason=post.get("reason", ""),
            )
        elif action == "note":
            services.note_save(
                actor=user, item=_item(meeting, post.get("item")), text=post.get("text", "")
            )
            if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
                return HttpResponse("Đã lưu ghi chú.")
        elif action == "opinion":
            services.opinion_add(
                actor=user, item=_item(meeting, post.get("item")), text=post.get("text", "")
            )
        elif action == "vote":
            services.vote_cast(
                actor=user, vote=_vote(meeting, post.get("vote")), choice=post.get("choice", "")
            )
            messages.success(request, "Đã ghi nhận phiếu biểu quyết.")
        else:
            return HttpResponseBadRequest("Thao tác không hợp lệ.")
    except MeetingError as exc:
        if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
            return HttpResponse(str(exc), status=400)
        messages.error(request, str(exc))
    return _back(request, meeting)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The address in the room's QR code: a confirmation page, then the check-in."""
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    code = request.POST.get("ma") or request.GET.get("ma", "")
    if request.method == "POST":
        try:
            services.checkin_by_code(actor=request.user, meeting=meeting, code=code)
        except MeetingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Đã điểm danh.")
            return redirect("meetings:detail", meeting.pk)
    return render(request, "meetings/checkin.html", {"meeting": meeting, "code": code})


@login_required
@require_GET
def qr(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The room screen's QR code (chair and secretary), refreshed by htmx before it expires."""
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    if not selectors.can_manage(request.user, meeting):
        raise PermissionDenied("Chỉ chủ trì hoặc thư ký cuộc họp chiếu mã điểm danh.")
    url = request.build_absolute_uri(
        reverse("meetings:check_in", args=[meeting.pk]) + "?ma=" + checkin.current_code(meeting.pk)
    )
    return render(
        request,
        "meetings/_qr.html",
        {
            "meeting": meeting,
            "svg": checkin.qr_svg(url),
            "url": url,
            "every": checkin.WINDOW_SECONDS // 2,
        },
    )


def _shown_inline(request: AuthedRequest, stored: StoredFile) -> StreamingHttpResponse:
    """A stored file shown in the browser (a meeting document, the minutes), streamed."""
    return stream_file_response(
        str(stored.file.name),
        stored.name,
        stored.content_type,
        as_attachment=False,
        request=request,
    )


@login_required
@require_GET
def document(request: AuthedRequest, meeting_id: int, document_id: int) -> StreamingHttpResponse:
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    doc = selectors.item_document_for_user(request.user, meeting, document_id)
    stored = doc.file or (doc.incoming.readable_file if doc.incoming else None)
    if stored is None:
        raise Http404("Tài liệu chưa có tệp.")
    audit_record(
        actor=request.user, action="meeting.document_open", obj=meeting, detail={"document": doc.pk}
    )
    return _shown_inline(request, stored)


@login_required
@require_GET
def minutes_file(request: AuthedRequest, meeting_id: int) -> StreamingHttpResponse:
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    if meeting.minutes_file is None:
        raise Http404("Chưa có biên bản.")
    stored = meeting.minutes_file
    return _shown_inline(request, stored)


@login_required
@require_GET
def video(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """Into the meeting's Jitsi room with a token for this invited participant only."""
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    me = selectors.participant_of(request.user, meeting)
    if me is None or not meeting.online or not jitsi.configured():
        raise Http404("Cuộc họp không có phòng họp trực tuyến.")
    token = jitsi.issue_token(
        room=meeting.video_room,
        user_id=request.user.pk,
        name=request.user.full_name,
        email=request.user.email,
        moderator=selectors.can_manage(request.user, meeting),
    )
    return redirect(f"{jitsi.room_url(meeting.video_room)}?jwt={token}")
