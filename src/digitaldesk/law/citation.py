"""A reference to a provision of a law: law, article (Điều), clause (khoản), point (điểm).

Three written forms, all parsed back by `Citation.parse`:

- formal, the basis of a rule (`str(c)`, `c.text`):      "BLTTHS 2015, Điều 173, khoản 2"
- short, article first (`c.short()`):                    "Điều 173 khoản 2 BLTTHS"
- inline, smallest unit first (`c.inline()`), as in a
  judgment's "Căn cứ ...":                               "điểm b khoản 1 Điều 51 BLHS"

A citation may pin the version it means (`version`: the amending law whose text it cites,
written ", sửa đổi bởi Luật số 02/2021/QH15") and carry a qualifier written after it in
parentheses (`note`: "BLTTHS 2015, Điều 174, khoản 3 (theo Điều 172)"). One citation names one
clause and one point; a reference to several ("khoản 5, 6") is written as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digitaldesk.law import LegalRuleError
from digitaldesk.law.registry import Law, LawVersion, law

_ARTICLE = re.compile(r"^[1-9]\d*[a-z]?$")
_POINT = re.compile(r"^[a-zđ]$")
_VERSION_SUFFIX = re.compile(
    r",?\s*sửa đổi(?:, bổ sung)? bởi Luật (?:số )?(\d+/\d{4}/QH\d+)\s*$", re.IGNORECASE
)
_NOTE_SUFFIX = re.compile(r"\s*\(([^()]*)\)\s*$")
_PART = re.compile(r"\b(điều|khoản|điểm)\s+([0-9]+[a-z]?|[a-zđ])\b", re.IGNORECASE)
_RANK = {"điều": 0, "khoản": 1, "điểm": 2}
_LISTED = re.compile(r"\s*,\s*(\d+|[a-zđ])(?=[\s,]|$)")  # "khoản 5, 6", "điểm b, c"


@dataclass(frozen=True, slots=True)
class Citation:
    law: str  # the registry code: "BLHS", "BLTTHS", "BLLĐ"
    article: str  # "173", "217a"
    clause: int | None = None
    point: str | None = None
    version: str = ""  # the amending law of the version cited ("02/2021/QH15"); "" = not pinned
    note: str = ""  # a qualifier written after the citation, in parentheses
    text: str = field(init=False, repr=False, compare=False)  # the formal form, built once

    def __post_init__(self) -> None:
        known = law(self.law)  # raises for an unknown law
        if known.code != self.law:
            object.__setattr__(self, "law", known.code)
        if not _ARTICLE.match(self.article):
            raise LegalRuleError(f'Số điều không hợp lệ: "{self.article}" (ví dụ: 173, 217a).')
        if self.clause is not None and self.clause < 1:
            raise LegalRuleError(f"Số khoản không hợp lệ: {self.clause}.")
        if self.point is not None and not _POINT.match(self.point):
            raise LegalRuleError(
                f'Điểm không hợp lệ: "{self.point}" (một chữ cái: a, b, c, d, đ...).'
            )
        if self.point is not None and self.clause is None:
            raise LegalRuleError("Trích dẫn một điểm cần ghi rõ khoản của điểm đó.")
        parts = [known.title, f"Điều {self.article}"]
        if self.clause is not None:
            parts.append(f"khoản {self.clause}")
        if self.point is not None:
            parts.append(f"điểm {self.point}")
        object.__setattr__(self, "text", ", ".join(parts) + self._tail())

    def _tail(self) -> str:
        version = f", sửa đổi bởi Luật số {self.version}" if self.version else ""
        note = f" ({self.note})" if self.note else ""
        return version + note

    def __str__(self) -> str:
        return self.text

    @property
    def law_info(self) -> Law:
        return law(self.law)

    def law_version(self) -> LawVersion | None:
        """The version pinned by `version` (None when the citation does not pin one)."""
        return self.law_info.version_amended_by(self.version) if self.version else None

    def short(self) -> str:
        """Article first: "Điều 173 khoản 2 BLTTHS"."""
        parts = [f"Điều {self.article}"]
        if self.clause is not None:
            parts.append(f"khoản {self.clause}")
        if self.point is not None:
            parts.append(f"điểm {self.point}")
        return " ".join([*parts, self.law]) + self._tail()

    def inline(self) -> str:
        """Smallest unit first, as in a judgment: "điểm b khoản 1 Điều 51 BLHS"."""
        parts = []
        if self.point is not None:
            parts.append(f"điểm {self.point}")
        if self.clause is not None:
            parts.append(f"khoản {self.clause}")
        return " ".join([*parts, f"Điều {self.article}", self.law]) + self._tail()

    def with_version(self, number: str) -> Citation:
        return Citation(self.law, self.article, self.clause, self.point, number, self.note)

    @classmethod
    def parse(cls, text: str, *, default_law: str | None = None) -> Citation:
        """A citation from any of the three forms (see the module docstring).

        The parts come in order, largest first ("Điều 51, khoản 1, điểm b") or smallest
        first ("điểm b khoản 1 Điều 51"); the law's name ("BLHS", "BLHS 2015", "Bộ luật
        Hình sự") is before or after them, or `default_law` when the text names none.
        """
        rest = " ".join(text.split())
        note = ""
        if found := _NOTE_SUFFIX.search(rest):
            note, rest = found.group(1).strip(), rest[: found.start()]
        version = ""
        if found := _VERSION_SUFFIX.search(rest):
            version, rest = found.group(1), rest[: found.start()]
        parts = list(_PART.finditer(rest))
        if not parts:
            raise LegalRuleError(f'Không đọc được trích dẫn "{text}": thiếu "Điều ...".')
        names = [p.group(1).lower() for p in parts]
        ranks = [_RANK[n] for n in names]
        if len(set(names)) != len(names) or (
            ranks != sorted(ranks) and ranks != sorted(ranks, reverse=True)
        ):
            raise LegalRuleError(
                f'Không đọc được trích dẫn "{text}": mỗi phần (điều, khoản, điểm) ghi một lần, '
                'theo thứ tự "Điều 51, khoản 1, điểm b" hoặc "điểm b khoản 1 Điều 51".'
            )
        values = {n: p.group(2) for n, p in zip(names, parts, strict=True)}
        if "điều" not in values:
            raise LegalRuleError(f'Không đọc được trích dẫn "{text}": thiếu "Điều ...".')
        # The law's name: what is left before the first part or after the last one.
        before, after = rest[: parts[0].start()], rest[parts[-1].end() :]
        between = rest[parts[0].end() : parts[-1].start()]
        if any(_LISTED.match(rest[p.end() :]) for p in parts):
            raise LegalRuleError(
                f'Trích dẫn "{text}" ghi nhiều khoản hoặc nhiều điểm: '
                "mỗi trích dẫn chỉ ghi một khoản, một điểm."
            )
        if re.sub(r"(điều|khoản|điểm)\s+\S+|[,\s]", "", between, flags=re.IGNORECASE):
            raise LegalRuleError(f'Không đọc được trích dẫn "{text}".')
        name = (before + " " + after).strip(" ,")
        if not name:
            if default_law is None:
                raise LegalRuleError(f'Trích dẫn "{text}" không ghi tên luật (BLHS, BLTTHS...).')
            name = default_law
        clause = values.get("khoản")
        if clause is not None and not clause.isdigit():
            raise LegalRuleError(f'Số khoản không hợp lệ trong "{text}".')
        return cls(
            law(name).code,
            values["điều"].lower(),
            int(clause) if clause else None,
            (values.get("điểm") or "").lower() or None,
            version,
            note,
        )


def bltths(
    article: str, clause: int | None = None, point: str | None = None, note: str = ""
) -> Citation:
    """A citation of BLTTHS 2015 (the procedural rules of the deadline engine)."""
    return Citation("BLTTHS", article, clause, point, note=note)


def blhs(
    article: str, clause: int | None = None, point: str | None = None, note: str = ""
) -> Citation:
    """A citation of BLHS 2015."""
    return Citation("BLHS", article, clause, point, note=note)
