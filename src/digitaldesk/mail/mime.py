"""Reading a message: headers, text, sanitised HTML and attachments, whatever its MIME.

Government mail still arrives in legacy Vietnamese charsets. Windows-1258 (`cp1258`) is decoded
by Python's own codec; TCVN3 (ABC) and VNI by the tables of `legacy.py`, whether declared under
one of their names or found in a part declared Latin-1/Windows-1252 (or not declared) whose bytes
clearly read as one of them; the reader is told which table was used. A part in any other charset
Python does not know is not guessed: the reader is told in Vietnamese that the part could not be
decoded, and the raw part stays downloadable. HTML is sanitised with nh3 (ammonia): no script,
style, form or event handler, and remote images (src="http…") are removed unless the reader asked
to show them; `cid:` images and links stay.
"""

from __future__ import annotations

import codecs
import email
import email.errors
import email.header
import email.policy
import email.utils
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import Message

import nh3

from digitaldesk.mail import legacy

UNDECODABLE = "Không giải mã được phần nội dung này (bảng mã {charset} không được hỗ trợ)."
LEGACY_DECODED = (
    "Phần nội dung viết bằng bảng mã cũ {name}; đã được chuyển sang Unicode để hiển thị."
)
_WESTERN = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}
MALFORMED = "Thư có cấu trúc MIME không hợp lệ; phần đọc được được hiển thị bên dưới."
CHARSET_ALIASES = {"windows-1258": "cp1258", "x-cp1258": "cp1258", "cp-1258": "cp1258"}

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "font": {"color"},
    "*": {"title"},
}
_REMOTE_SRC = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


@dataclass
class Attachment:
    index: int  # position among the message's leaf parts (for download)
    filename: str
    content_type: str
    size: int


@dataclass
class ReadMessage:
    subject: str
    sender: str
    to: str
    cc: str
    date: str
    text: str = ""
    html: str = ""  # sanitised
    remote_images_blocked: int = 0
    notices: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def decode_header(value: object) -> str:
    """A header as text, RFC 2047 words decoded (cp1258 included); undecodable bytes replaced."""
    if value is None:
        return ""
    raw = str(value)
    try:
        pieces = email.header.decode_header(raw)
    except (email.errors.HeaderParseError, ValueError):
        return raw
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        name = _codec(charset or "utf-8") or "utf-8"
        out.append(chunk.decode(name, errors="replace"))
    return unicodedata.normalize("NFC", "".join(out)).strip()


def _codec(charset: str) -> str | None:
    """Python's codec for a MIME charset name, or None when Python has none."""
    name = charset.strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_part(part: Message) -> tuple[str | None, str]:
    """(text, charset) of a text part; text None when its charset cannot be decoded. A part in
    TCVN3 or VNI gives the legacy table's name as charset (`legacy.NAMES`)."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    declared = part.get_content_charset()
    old = legacy.encoding_of(declared)
    if old is None and (declared is None or declared.lower() in _WESTERN):
        old = legacy.detect(data) if _not_utf8(data) else None
    if old is not None:
        return legacy.decode(data, old), legacy.NAMES[old]
    candidates = [declared] if declared else ["utf-8", "cp1258"]
    for charset in candidates:
        codec = _codec(charset)
        if codec is None:
            return None, charset
        try:
            # Windows-1258 writes tones as combining marks: compose them (NFC) for display
            return unicodedata.normalize("NFC", data.decode(codec)), charset
        except UnicodeDecodeError:
            continue
    return None, declared or "không rõ"


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def sanitise_html(html: str, *, show_remote: bool) -> tuple[str, int]:
    """(safe HTML, number of remote images removed)."""
    blocked = 0

    def keep(element: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if element == "img" and attribute == "src":
            if _REMOTE_SRC.match(value):
                if not show_remote:
                    blocked += 1
                    return None
                return value
            return value if value.startswith("cid:") else None
        return value

    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )
    return clean, blocked


def parse(raw: bytes, *, show_remote: bool = False) -> ReadMessage:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    read = ReadMessage(
        subject=decode_header(message.get("Subject")) or "(Không có tiêu đề)",
        sender=decode_header(message.get("From")),
        to=decode_header(message.get("To")),
        cc=decode_header(message.get("Cc")),
        date=decode_header(message.get("Date")),
    )
    if message.defects or any(p.defects for p in message.walk()):
        read.notices.append(MALFORMED)
    texts: list[str] = []
    htmls: list[str] = []
    for index, part in enumerate(leaf_parts(message)):
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        ctype = part.get_content_type()
        # a calendar part is an invitation (mail.bridges shows it), not text to read
        attached = disposition.startswith("attachment") or ctype == "text/calendar"
        if filename or attached or not ctype.startswith("text/"):
            payload = part.get_payload(decode=True)
            read.attachments.append(
                Attachment(
                    index=index,
                    filename=decode_header(filename) or f"tep-{index + 1}",
                    content_type=ctype,
                    size=len(payload) if isinstance(payload, bytes) else 0,
                )
            )
            continue
        text, charset = decode_part(part)
        if text is None:
            read.notices.append(UNDECODABLE.format(charset=charset))
            continue
        if charset in legacy.NAMES.values():
            read.notices.append(LEGACY_DECODED.format(name=charset))
        (htmls if ctype == "text/html" else texts).append(text)
    alternative = any(p.get_content_type() == "multipart/alternative" for p in message.walk())
    # text/plain beside an HTML alternative is the same content: show the HTML only
    read.text = "" if alternative and htmls else "\n\n".join(texts)
    if htmls:
        read.html, read.remote_images_blocked = sanitise_html(
            "\n".join(htmls), show_remote=show_remote
        )
    return read


def leaf_parts(message: Message) -> list[Message]:
    return [part for part in message.walk() if not part.is_multipart()]


def attachment_of(raw: bytes, index: int) -> tuple[str, str, bytes] | None:
    """(filename, content type, bytes) of leaf part `index`, or None."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = leaf_parts(message)
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    name = decode_header(part.get_filename()) or f"tep-{index + 1}"
    return name, part.get_content_type(), payload if isinstance(payload, bytes) else b""


def addresses(value: str) -> list[str]:
    return [addr for _, addr in email.utils.getaddresses([value]) if addr]
