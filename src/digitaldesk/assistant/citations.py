"""The citation resolver: "Điều 173 BLTTHS", "khoản 2 điều 134 BLHS", "đ.b k.1 Đ.51", "Điều 217a".

Works on folded text, so "dieu 173 bltths" reads the same. Abbreviated parts ("Đ.", "k.", "đ.",
"k3", "đ118") are read like the full words. A reference that names no code is taken for BLHS when
the rest of the question says nothing of procedure (officials cite BLHS bare: "Điều 51"), and for
BLTTHS when the question mentions "tố tụng".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digitaldesk.law.code import fold

BLHS = "BLHS"
BLTTHS = "BLTTHS"

# Folded text. "d" is both "điều" (Đ.) and "điểm" (đ.): a "d" followed by a number is an
# article, by a letter a point.
_ARTICLE = r"(?:dieu\s*|d\.\s*|d)(\d{1,3}[a-z]?)\b"
_CLAUSE = r"(?:khoan\s*|k\.\s*|k)(\d{1,2})\b"
_POINT = r"(?:diem\s+|d\.\s*)([a-z])\b"
_REF = re.compile(
    rf"(?:{_POINT}[\s,]*)?(?:{_CLAUSE}[\s,]*)?{_ARTICLE}"
    rf"(?:[\s,]*{_CLAUSE})?(?:[\s,]*{_POINT})?"
)
_LAW_AFTER = re.compile(
    r"^[\s,]*(?:(bltths|bltt|bo luat to tung hinh su)|(blhs|bo luat hinh su))"
    r"(?:\s*(?:nam\s*)?2015)?"
)


@dataclass(frozen=True, slots=True)
class Reference:
    """A provision named in a question (the article label as written: "173", "217a")."""

    law: str
    article: str
    clause: int | None = None
    point: str | None = None
    explicit_law: bool = True

    @property
    def key(self) -> str:
        return f"{self.law}:{self.article}"


def resolve(question: str) -> list[Reference]:
    """Every provision the question names, in order."""
    text = fold(question)
    text = text.replace("đ", "d")
    procedure_hint = "to tung" in text or "bltt" in text
    found: list[Reference] = []
    for match in _REF.finditer(text):
        point = match.group(1) or match.group(5)
        clause = match.group(2) or match.group(4)
        article = match.group(3)
        law_match = _LAW_AFTER.match(text[match.end() :])
        before = text[max(0, match.start() - 30) : match.start()]
        if law_match:
            law, explicit = (BLTTHS if law_match.group(1) else BLHS), True
        elif re.search(r"(bltths|bltt|to tung hinh su)\s*$", before):
            law, explicit = BLTTHS, True
        elif re.search(r"(blhs|bo luat hinh su)\s*$", before):
            law, explicit = BLHS, True
        else:
            law, explicit = (BLTTHS if procedure_hint else BLHS), False
        found.append(
            Reference(
                law=law,
                article=article.lstrip("0") or "0",
                clause=int(clause) if clause else None,
                point=point,
                explicit_law=explicit,
            )
        )
    return found
