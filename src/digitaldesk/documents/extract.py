"""Pre-fill the register form from a document's text (text layer or DOCX), so the clerk
does not retype what the document already says. Guesses only: the clerk checks them.

The layout of an administrative document (NĐ 30/2020 Điều 8, Phụ lục I [S]) puts the
issuer at the top left, "Số: 93/TB-VKSTC" below it, "<place>, ngày 14 tháng 5 năm 2024"
at the right, then the type name in capitals and the summary; a công văn has "V/v …".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from digitaldesk.core.text import fold
from digitaldesk.documents.models import DOC_TYPES

_NUMBER = re.compile(r"S[ốo]\s*:\s*([0-9]{1,6}\s*/\s*[0-9A-Za-zĐđƯưƠơÂâĂăÊêÔô./&-]{1,40})")
_DATE = re.compile(r"ng[àa]y\s+(\d{1,2})\s+th[áa]ng\s+(\d{1,2})\s+n[ăa]m\s+(\d{4})", re.IGNORECASE)
_VV = re.compile(r"^\s*V/v\s*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_TYPE_BY_FOLDED = {
    fold(name).upper(): code
    for code, name, _ in DOC_TYPES
    if code not in ("khac", "van_ban_to_tung")
}
_SKIP = ("CONG HOA XA HOI", "DOC LAP", "DEN SO", "SO:", "NGAY:")
_BODY_STARTS = ("Căn cứ", "Kính gửi", "Ngày", "Thực hiện", "Trên cơ sở", "Theo ", "Để ")
_PLACE_WORDS = ("tỉnh", "thành phố", "huyện", "quận", "khu vực", "tp.")


def guess_fields(text: str) -> dict[str, str]:
    """Return the register fields that can be read from `text` (empty dict if none)."""
    lines = [" ".join(line.split()) for line in text.replace("\f", "\n").splitlines()]
    lines = [line for line in lines if line]
    head = lines[:40]
    guessed: dict[str, str] = {}
    joined = "\n".join(head)
    number = _NUMBER.search(joined)
    if number:
        guessed["code_notation"] = re.sub(r"\s+", "", number.group(1)).rstrip(".")
    date = _DATE.search(joined)
    if date:
        with contextlib.suppress(ValueError):  # not a real date (31/02): nothing guessed
            guessed["issued_date"] = dt.date(
                int(date.group(3)), int(date.group(2)), int(date.group(1))
            ).isoformat()
    type_index = None
    for index, line in enumerate(head):
        key = fold(line).upper().strip(" .:#*")
        if key in _TYPE_BY_FOLDED and line.strip("#* ").upper() == line.strip("#* "):
            guessed["doc_type"] = _TYPE_BY_FOLDED[key]
            type_index = index
            break
    if type_index is not None:
        summary: list[str] = []
        for line in head[type_index + 1 : type_index + 4]:
            line = line.strip("#* ")
            if _DATE.search(line) or line.startswith(_BODY_STARTS) or len(line) > 160:
                break
            summary.append(line)
            if line.endswith((".", ";")) or len(" ".join(summary)) > 160:
                break
        if summary:
            guessed["subject"] = " ".join(summary).strip(" .")
    else:
        vv = _VV.search(joined)
        if vv:
            guessed["doc_type"] = "cong_van"
            subject = vv.group(1).strip(" .")
            guessed["subject"] = subject[:1].upper() + subject[1:]
    issuer: list[str] = []
    for line in head[:6]:
        folded = fold(line).upper()
        if (
            any(folded.startswith(skip) for skip in _SKIP)
            or _NUMBER.search(line)
            or _DATE.search(line)
        ):
            break
        if line.upper() == line and len(line.strip("#* ")) > 3:
            issuer.append(line.strip("#* "))
    if issuer:
        guessed["sender"] = issuer_name(issuer[-2:])
    return guessed


# A header line that goes on the name above it rather than naming a unit under it.
_CONTINUES = ("tinh ", "thanh pho ", "huyen ", "quan ", "thi xa ", "khu vuc ", "toi cao", "cap cao")
# Type words after which the specific name is capitalised ("Vụ Pháp chế", "Bộ Công an").
_UNIT_TYPES = ("vụ", "cục", "bộ", "sở", "ban", "phòng", "văn phòng", "trung tâm", "học viện")
SEPARATOR = " - "


def issuer_name(lines: list[str]) -> str:
    """The issuer from the header lines in capitals: each agency in proper case, the agency and
    the unit under it joined by " - ": ["VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO", "VỤ 7"] ->
    "Viện kiểm sát nhân dân tối cao - Vụ 7"; a line that only continues the name above
    ("TỈNH THĂNG HOA") is joined to it with a space."""
    parts: list[str] = []
    for line in lines:
        line = line.strip("#* ")
        if parts and fold(line).startswith(_CONTINUES):
            parts[-1] = f"{parts[-1]} {line}"
        else:
            parts.append(line)
    return SEPARATOR.join(_title_case(part) for part in parts if part)


def _title_case(text: str) -> str:
    """ "VIỆN KIỂM SÁT NHÂN DÂN TỈNH THĂNG HOA" -> "Viện kiểm sát nhân dân tỉnh Thăng Hoa":
    sentence case, with the place name after "tỉnh", "thành phố"… capitalised."""
    lowered = " ".join(text.strip("#* ").lower().split())
    for word in _PLACE_WORDS:
        index = lowered.find(word + " ")
        if index >= 0:
            start = index + len(word) + 1
            lowered = lowered[:start] + " ".join(
                w[:1].upper() + w[1:] for w in lowered[start:].split()
            )
            break
    for kind in _UNIT_TYPES:
        if lowered.startswith(kind + " "):
            start = len(kind) + 1
            lowered = lowered[:start] + lowered[start : start + 1].upper() + lowered[start + 1 :]
            break
    return lowered[:1].upper() + lowered[1:]
