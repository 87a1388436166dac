from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from digitaldesk.accounts.http import AuthedRequest
from digitaldesk.notifications import selectors, services
from digitaldesk.notifications.models import Notification


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell fragment; htmx refreshes it on the live event `notification` (docs/live.md)
    and every 5 minutes as a fallback, with X-Desk-Background (so the refresh does not count
    as activity and an idle session still expires)."""
    # Drawn without the page's context processors (navigation…): the fragment needs none.
    return HttpResponse(
        render_to_string("notifications/bell.html", selectors.bell_context(request.user))
    )


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    only_unread = request.GET.get("chua-doc") == "1"
    items = Notification.objects.filter(user=request.user)
    if only_unread:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, 30).get_page(request.GET.get("trang"))
    return render(request, "notifications/inbox.html", {"page": page, "only_unread": only_unread})


@login_required
def open_notification(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and follow its link (only links inside the desk)."""
    item = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(user=request.user, notification_id=item.pk)
    if item.url and url_has_allowed_host_and_scheme(
        item.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(item.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    if request.htmx:  # type: ignore[attr-defined]  # set by django_htmx's HtmxMiddleware
        return bell(request)
    return redirect("notifications:inbox")
