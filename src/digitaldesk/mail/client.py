"""IMAP and SMTP with the official's OAuth2 access token (SASL XOAUTH2), never a password.

Every failure becomes a `MailError` whose message is Vietnamese and says what the official can
do; the views show it as is. Nothing here writes to the database: the token comes from
`services.mail_token_issue` and audit rows from the services.
"""

from __future__ import annotations

import base64
import contextlib
import email
import imaplib
import re
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from django.conf import settings

from digitaldesk.core.text import fold
from digitaldesk.mail.mime import decode_header

PAGE = 50
SERVER_DOWN = (
    "Không kết nối được máy chủ thư điện tử của cơ quan. Vui lòng thử lại sau ít phút; "
    "nếu vẫn không được, báo cho bộ phận quản trị mạng."
)
AUTH_REFUSED = (
    "Máy chủ thư từ chối phiên đăng nhập (mã truy cập đã hết hạn hoặc bị thu hồi). "
    "Vui lòng tải lại trang; nếu vẫn không được, đăng xuất và đăng nhập lại Bàn làm việc."
)
REQUEST_REFUSED = "Máy chủ thư không thực hiện được yêu cầu này. Vui lòng thử lại sau."
NOT_CONFIGURED = "Bàn làm việc chưa được kết nối với máy chủ thư điện tử của cơ quan."
FOLDER_NAMES = {
    "INBOX": "Hộp thư đến",
    "Sent": "Thư đã gửi",
    "Drafts": "Thư nháp",
    "Trash": "Thùng rác",
    "Junk": "Thư rác",
}


class MailError(Exception):
    """A failure the official is told about, in Vietnamese."""


def xoauth2(username: str, token: str) -> bytes:
    return f"user={username}\x01auth=Bearer {token}\x01\x01".encode()


@dataclass
class Folder:
    name: str  # IMAP name (modified UTF-7 as the server gives it)
    label: str
    unseen: int
    total: int


@dataclass
class Summary:
    uid: int
    subject: str
    sender: str
    date: str
    seen: bool
    size: int


PLAIN_LOGIN = "PLAIN"  # the app-password fallback (docs/mail.md); XOAUTH2 otherwise


@contextlib.contextmanager
def imap_session(
    username: str, token: str, *, mechanism: str = "XOAUTH2"
) -> Iterator[imaplib.IMAP4]:
    """An authenticated IMAP connection: `token` is the OAuth2 access token, or the app password
    when `mechanism` is PLAIN_LOGIN."""
    host = settings.DESK_MAIL_IMAP_HOST
    if not host:
        raise MailError(NOT_CONFIGURED)
    port, timeout = settings.DESK_MAIL_IMAP_PORT, settings.DESK_MAIL_TIMEOUT
    try:
        conn: imaplib.IMAP4 = (
            imaplib.IMAP4_SSL(host, port, timeout=timeout)
            if settings.DESK_MAIL_IMAP_TLS
            else imaplib.IMAP4(host, port, timeout=timeout)
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(SERVER_DOWN) from exc
    try:
        try:
            if mechanism == PLAIN_LOGIN:
                conn.login(username, token)
            else:
                conn.authenticate("XOAUTH2", lambda _challenge: xoauth2(username, token))
        except imaplib.IMAP4.error as exc:
            raise MailError(AUTH_REFUSED) from exc
        yield conn
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise MailError(SERVER_DOWN) from exc
    except imaplib.IMAP4.error as exc:  # the server refused one command (BAD)
        raise MailError(REQUEST_REFUSED) from exc
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


_LIST = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$')
_STATUS = re.compile(rb"MESSAGES (\d+).*UNSEEN (\d+)|UNSEEN (\d+).*MESSAGES (\d+)")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list_status(conn: imaplib.IMAP4) -> tuple[list[Any], dict[str, bytes]] | None:
    """LIST with the counts in the same round trip (LIST-STATUS, RFC 5819), or None when the
    server lacks it. (LIST lines, STATUS line by folder name)."""
    conn.untagged_responses.pop("LIST", None)
    conn.untagged_responses.pop("STATUS", None)
    try:  # imaplib keeps the capabilities of the greeting only: ask, and fall back if refused
        status, _ = conn.xatom("LIST", '"" "*" RETURN (STATUS (MESSAGES UNSEEN))')
    except imaplib.IMAP4.error:
        return None
    if status != "OK":
        return None
    lines = conn.untagged_responses.pop("LIST", [])
    counts: dict[str, bytes] = {}
    for line in conn.untagged_responses.pop("STATUS", []):
        if isinstance(line, bytes):
            name, _, rest = line.rpartition(b" (")
            counts[name.decode().strip('"')] = rest
    return lines, counts


def folders(conn: imaplib.IMAP4) -> list[Folder]:
    """Every selectable folder with its unread and total counts: one LIST-STATUS (RFC 5819)
    where the server has it, else LIST, then STATUS each."""
    listed = _list_status(conn)
    lines, counts = listed if listed is not None else (conn.list()[1], {})
    result = []
    for line in lines:
        match = _LIST.match(line if isinstance(line, bytes) else b"")
        if not match or b"\\Noselect" in match.group("flags"):
            continue
        name = match.group("name").decode().strip('"')
        if name in counts:
            status = [counts[name]]
        else:
            _, status = conn.status(_quote(name), "(MESSAGES UNSEEN)")
        numbers = _STATUS.search(status[0] if status and isinstance(status[0], bytes) else b"")
        total = unseen = 0
        if numbers:
            groups = numbers.groups()
            if groups[0] is not None:
                total, unseen = int(groups[0]), int(groups[1])
            else:
                unseen, total = int(groups[2]), int(groups[3])
        result.append(Folder(name, FOLDER_NAMES.get(name, name), unseen, total))
    result.sort(key=lambda f: (f.name != "INBOX", f.name not in FOLDER_NAMES, f.label))
    return result


def select(conn: imaplib.IMAP4, folder: str, *, readonly: bool = True) -> int:
    status, data = conn.select(_quote(folder), readonly=readonly)
    if status != "OK":
        raise MailError(f"Không có thư mục «{folder}» trong hộp thư.")
    return int(data[0] or 0) if data and isinstance(data[0], bytes) else 0


_FETCH = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|RFC822\.SIZE (\d+)")


def page(conn: imaplib.IMAP4, folder: str, number: int) -> tuple[list[Summary], int]:
    """Page `number` (1 = newest) of the folder: headers of that page only. (rows, total)."""
    total = select(conn, folder)
    high = total - (number - 1) * PAGE
    if high < 1:
        return [], total
    low = max(1, high - PAGE + 1)
    _, data = conn.fetch(
        f"{low}:{high}",
        "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])",
    )
    rows = _summaries(data)
    return rows, total


def _summaries(data: list[Any]) -> list[Summary]:
    rows: list[Summary] = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, headers = item[0], item[1]
        uid = seen = size = None
        for m in _FETCH.finditer(meta):
            if m.group(1):
                uid = int(m.group(1))
            elif m.group(2) is not None:
                seen = b"\\Seen" in m.group(2)
            elif m.group(3):
                size = int(m.group(3))
        fields = _header_fields(headers)
        rows.append(
            Summary(
                uid=uid or 0,
                subject=fields.get("subject") or "(Không có tiêu đề)",
                sender=fields.get("from", ""),
                date=fields.get("date", ""),
                seen=bool(seen),
                size=size or 0,
            )
        )
    rows.reverse()
    return rows


def _header_fields(raw: bytes) -> dict[str, str]:
    message = email.message_from_bytes(raw)
    return {key.lower(): decode_header(value) for key, value in message.items()}


def fetch(conn: imaplib.IMAP4, folder: str, uid: int, *, mark_seen: bool) -> bytes | None:
    select(conn, folder, readonly=not mark_seen)
    _, data = conn.uid("FETCH", str(uid), "(BODY[])" if mark_seen else "(BODY.PEEK[])")
    for item in data or []:
        if isinstance(item, tuple):
            return bytes(item[1])
    return None


_APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")


def append(conn: imaplib.IMAP4, folder: str, message: bytes, flags: str = "(\\Seen)") -> int | None:
    """APPEND; the new message's UID when the server tells it (UIDPLUS), else None."""
    status, data = conn.append(_quote(folder), flags, None, message)
    if status != "OK":
        raise MailError(f"Máy chủ thư không lưu được thư vào thư mục «{folder}».")
    found = _APPENDUID.search(data[0] if data and isinstance(data[0], bytes) else b"")
    return int(found.group(1)) if found else None


def delete(conn: imaplib.IMAP4, folder: str, uid: int) -> None:
    """Remove one message for good (an older version of a draft)."""
    select(conn, folder, readonly=False)
    conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
    conn.uid("EXPUNGE", str(uid))


def headers_of(conn: imaplib.IMAP4, folder: str, uids: list[int]) -> list[Summary]:
    """Summaries of the given messages of `folder` (already selected or not), newest first."""
    if not uids:
        return []
    select(conn, folder)
    _, data = conn.uid(
        "FETCH",
        ",".join(str(u) for u in uids),
        "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])",
    )
    rows = _summaries(data)
    rows.sort(key=lambda r: r.uid, reverse=True)
    return rows


def _uids(data: list[Any]) -> list[int]:
    raw = data[0] if data and isinstance(data[0], bytes) else b""
    return [int(n) for n in raw.split() if n.isdigit()]


def thread_of(conn: imaplib.IMAP4, folder: str, uid: int) -> list[int]:
    """UIDs of the conversation `uid` belongs to in `folder`: the server's THREAD REFERENCES
    (RFC 5256: References / In-Reply-To, then the base subject)."""
    select(conn, folder)
    status, data = conn.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
    if status != "OK":
        return [uid]
    raw = b"".join(x for x in data if isinstance(x, bytes))
    depth, current, groups = 0, [], []  # type: ignore[var-annotated]
    for token in re.finditer(rb"\(|\)|\d+", raw):
        text = token.group(0)
        if text == b"(":
            depth += 1
        elif text == b")":
            depth -= 1
            if depth == 0:
                groups.append(current)
                current = []
        else:
            current.append(int(text))
    for group in groups:
        if uid in group:
            return sorted(group)
    return [uid]


def by_message_ids(conn: imaplib.IMAP4, folder: str, ids: list[str]) -> list[int]:
    """UIDs of the messages of `folder` whose Message-ID is one of `ids` (SEARCH HEADER)."""
    ids = [i for i in ids if i and len(i) < 250 and '"' not in i and "\\" not in i][-20:]
    if not ids:
        return []
    select(conn, folder)
    criteria = f'HEADER Message-ID "{ids[0]}"'
    for extra in ids[1:]:
        criteria = f'OR HEADER Message-ID "{extra}" {criteria}'
    _, data = conn.uid("SEARCH", criteria)
    return _uids(data)


def search(conn: imaplib.IMAP4, folder: str, words: list[str]) -> list[int]:
    """UIDs of the messages of `folder` whose headers or body contain every word: one IMAP
    SEARCH TEXT per word (CHARSET UTF-8, the word sent as a literal), intersected. The server
    compares with its i;unicode-casemap comparator (case-insensitive)."""
    select(conn, folder)
    found: set[int] | None = None
    for word in words:
        conn.literal = word.encode()  # type: ignore[assignment]  # imaplib's literal hook takes bytes
        status, data = conn.uid("SEARCH", "CHARSET", "UTF-8", "TEXT")
        if status != "OK":
            raise MailError("Máy chủ thư không thực hiện được việc tìm kiếm này.")
        uids = set(_uids(data))
        found = uids if found is None else found & uids
        if not found:
            break
    return sorted(found or (), reverse=True)


FOLD_WINDOW = 2000


def search_folded(conn: imaplib.IMAP4, folder: str, words: list[str]) -> list[int]:
    """UIDs of the newest FOLD_WINDOW messages of `folder` whose sender or subject contains
    every word with Vietnamese accents ignored ("quyet dinh" finds "Quyết định"): the server's
    comparator ignores case but not accents, so the desk folds the headers of one FETCH."""
    total = select(conn, folder)
    if total == 0:
        return []
    wanted = [fold(w) for w in words]
    _, data = conn.fetch(
        f"{max(1, total - FOLD_WINDOW + 1)}:{total}",
        "(UID BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])",
    )
    found = []
    for item in data or []:
        if not isinstance(item, tuple):
            continue
        uid = re.search(rb"UID (\d+)", item[0])
        fields = _header_fields(item[1])
        text = fold(fields.get("from", "") + " " + fields.get("subject", ""))
        if uid and all(w in text for w in wanted):
            found.append(int(uid.group(1)))
    return found


def send(username: str, token: str, message: EmailMessage, *, mechanism: str = "XOAUTH2") -> None:
    host = settings.DESK_MAIL_SMTP_HOST
    if not host:
        raise MailError(NOT_CONFIGURED)
    try:
        with smtplib.SMTP(
            host, settings.DESK_MAIL_SMTP_PORT, timeout=settings.DESK_MAIL_TIMEOUT
        ) as smtp:
            smtp.ehlo()
            if settings.DESK_MAIL_SMTP_STARTTLS:
                smtp.starttls()
                smtp.ehlo()
            if mechanism == PLAIN_LOGIN:
                try:
                    smtp.login(username, token)
                except smtplib.SMTPAuthenticationError as exc:
                    raise MailError(AUTH_REFUSED) from exc
            else:
                code, _reply = smtp.docmd(
                    "AUTH", "XOAUTH2 " + base64.b64encode(xoauth2(username, token)).decode()
                )
                if code != 235:
                    raise MailError(AUTH_REFUSED)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("Máy chủ thư từ chối người nhận: " + ", ".join(exc.recipients)) from exc
    except smtplib.SMTPDataError as exc:
        raise MailError("Máy chủ thư không nhận thư này: " + _text(exc.smtp_error)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(SERVER_DOWN) from exc


def unread(conn: imaplib.IMAP4, limit: int) -> tuple[int, list[Summary]]:
    """(number of unread messages in INBOX, the newest `limit` of them)."""
    select(conn, "INBOX")
    _, data = conn.search(None, "UNSEEN")
    numbers = (data[0] or b"").split() if data and isinstance(data[0], bytes) else []
    rows: list[Summary] = []
    if numbers:
        _, fetched = conn.fetch(
            b",".join(numbers[-limit:]).decode(),
            "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT DATE)])",
        )
        rows = _summaries(fetched)
    return len(numbers), rows


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
