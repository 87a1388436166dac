"""Desk widget "Thư điện tử": the official's unread messages in the inbox.

One IMAP session (XOAUTH2 with the session's mail token): SEARCH UNSEEN, then the headers of the
newest five. No database query except minting a token when the session's one is near expiry. Off
(None) when the desk has no mail server (DESK_MAIL_IMAP_HOST empty); a server that does not
answer shows its Vietnamese message in the widget, the desk home still opens.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from digitaldesk.accounts.http import user_of
from digitaldesk.core.widgets import widget
from digitaldesk.mail import client, services
from digitaldesk.mail.client import MailError

ROWS = 5


@widget("mail.unread", title="Thư điện tử", order=15, template="mail/widget.html")
def unread_mail(request: HttpRequest) -> dict[str, Any] | None:
    if not settings.DESK_MAIL_IMAP_HOST:
        return None
    user = user_of(request)
    try:
        with services.mail_credentials(user=user, session=request.session).imap() as conn:
            unseen, rows = client.unread(conn, ROWS)
    except MailError as error:
        return {"error": str(error)}
    return {"unseen": unseen, "rows": rows}
