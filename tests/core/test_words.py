"""No English, developer text or raw data formats on the pages officials read (issue 13, item 10).

GIVEN the demo organisation with its documents, cases, meetings and schedule, WHEN each persona
opens the main pages of the desk THEN the text they read (and the tooltips and labels of the
controls) holds none of the FORBIDDEN patterns: English duration words ("quá 2 days"), ISO 8601
timestamps, Python dict syntax, raw audit action codes and object ids, file paths of the
developers' documentation, worker host names, glyphs the desk's fonts lack.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from digitaldesk.core.demo import demo_steps

pytestmark = pytest.mark.django_db

_GROUPS = (
    "auth|accounts|sso|audit|documents|signing|cases|casefiles|meeting|meetings|party|schedule"
    "|mail|assistant|lawadmin|holidays|jobs"
)
FORBIDDEN = {
    "English words": re.compile(
        r"\b(?:days?|hours?|minutes?|seconds?|weeks?|months?|ago|None|True|False|null|undefined"
        r"|Signature\d*|Traceback|Exception)\b"
    ),
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?"),
    "dict syntax": re.compile(r"\{'|'\w+': "),
    "action code or object id": re.compile(rf"\b(?:{_GROUPS})\.[a-z_]{{3,}}(?:#\d+)?\b"),
    "documentation path": re.compile(r"\bdocs/\w+\.md\b"),
    "worker id": re.compile(r"\b(?:vm|worker|host)[:-]\d+\b"),
    "missing glyph": re.compile("[\u26f6\ufffd]"),
}


class _Text(HTMLParser):
    """The text a person reads: element text outside script/style, and the titles, labels and
    placeholders of the controls."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def problems(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    found = []
    for name, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            start = max(match.start() - 30, 0)
            found.append(f"{name}: …{text[start : match.end() + 30]!r}…")
    return found


def _details(user: Any) -> list[str]:
    """The first incoming and outgoing document and case this persona may open."""
    from digitaldesk.cases.selectors import cases_visible_to
    from digitaldesk.documents.selectors import incoming_visible_to, outgoing_visible_to

    incoming = incoming_visible_to(user).order_by("pk").first()
    outgoing = outgoing_visible_to(user).order_by("pk").first()
    case = cases_visible_to(user).order_by("pk").first()
    return [
        f"/van-ban/den/{incoming.pk}/" if incoming else "",
        f"/van-ban/di/{outgoing.pk}/" if outgoing else "",
        f"/an-hinh-su/{case.pk}/" if case else "",
    ]


def _pages(org: Any) -> dict[str, list[str]]:
    common = ["/", "/van-ban/", "/van-ban/den/", "/van-ban/di/", "/van-ban/qua-han/", "/lich/"]
    cases = ["/an-hinh-su/", "/an-hinh-su/thoi-han/", "/an-hinh-su/thong-ke/"]
    people = org.people
    return {
        "huong": [*common, *cases, *_details(people["huong"]), "/van-ban/theo-doi/"],
        "tuan": [*common, *cases, *_details(people["tuan"])],
        "minh": [*common, *cases, *_details(people["minh"])],
        "lan": [*common, *_details(people["lan"]), "/van-ban/theo-doi/"],
        "thanhtra": ["/", "/nhat-ky/", "/nhat-ky/?action=auth.", "/nhat-ky/kiem-tra/"],
        "dung": ["/", "/cong-viec-nen/", "/nhat-ky/", "/ky-so/kiem-tra/"],
    }


def test_the_main_pages_hold_no_english_or_developer_text(org: Any, as_user: Any) -> None:
    # The demo's documents and cases (with certificates); the case file (a whole file to OCR),
    # meetings and the party cell add nothing to these pages and most of the time.
    for step in demo_steps():
        if step.__module__.rsplit(".", 2)[1] in {"signing", "core", "cases", "documents"}:
            step(org, io.StringIO())
    # Some audit rows with details, ids and failures, as a working day leaves them.
    as_user("minh").get("/an-hinh-su/")
    from django.test import Client

    Client().post("/dang-nhap/", {"username": "minh.ksv", "password": "sai-mat-khau-1"})
    found: dict[str, list[str]] = {}
    for key, urls in _pages(org).items():
        client = as_user(key)
        for url in filter(None, urls):
            response = client.get(url)
            bad = problems(response.content.decode())
            if response.status_code != 200:
                bad.append(f"HTTP {response.status_code}")
            if bad:
                found[f"{key} {url}"] = bad
    # The signature check of the demo's issued reply (the page that showed ISO times and the
    # PDF's field names).
    from django.core.files.uploadedfile import SimpleUploadedFile

    from digitaldesk.documents import files
    from digitaldesk.documents.models import OutgoingDocument

    issued = OutgoingDocument.objects.exclude(issued_file=None).select_related("issued_file")
    pdf = files.read(issued.first().issued_file)  # type: ignore[union-attr]
    check = as_user("huong").post(
        "/ky-so/kiem-tra/", {"file": SimpleUploadedFile("da-ky.pdf", pdf, "application/pdf")}
    )
    assert "Kết quả kiểm tra" in check.content.decode()
    if problems(check.content.decode()):
        found["huong /ky-so/kiem-tra/ (kết quả)"] = problems(check.content.decode())
    assert found == {}
