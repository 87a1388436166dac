"""The Penal Code (BLHS 2015) and the Criminal Procedure Code (BLTTHS 2015) as data.

The text is the consolidated Bộ pháp điển version shipped beside this module in
`data/` (see data/SOURCES.md): BLHS 100/2015/QH13 as amended by 12/2017/QH14, BLTTHS
101/2015/QH13 as amended by 02/2021/QH15. The later versions (the 2024–2025 amending laws, as
far as they were recovered) are built from it by `law.versions`: `article()` is always the
held text; `article_in_force(law, label, on)` the text of a date.

Where the files are read from: `$DESK_LEGAL_DATA_DIR` when set (it must hold the files), else
the packaged copy `digitaldesk/law/data/`. The repository stands alone: nothing is read from
outside it.

Each clause (khoản) carries its penalty bracket (khung hình phạt) parsed from the
text, which BLHS Điều 9 uses to classify the crime (see `categories.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from digitaldesk.law import LegalRuleError
from digitaldesk.law.citation import Citation
from digitaldesk.law.registry import BLHS, BLTTHS

LAW_BLHS = BLHS.data_name  # "BLHS 2015", the `law` of its articles
LAW_BLTTHS = BLTTHS.data_name
_LAWS = {LAW_BLHS: BLHS, LAW_BLTTHS: BLTTHS}
# The file of the latest version held of each code (the registry names it).
_FILES: dict[str, str] = {name: str(item.latest_held.data_file) for name, item in _LAWS.items()}
PACKAGED_DATA_DIR = Path(__file__).resolve().parent / "data"


def data_dir() -> Path:
    """The directory the two JSONL files are read from (see the module docstring)."""
    configured = os.environ.get("DESK_LEGAL_DATA_DIR", "").strip()
    if configured:
        path = Path(configured)
        if not (path / _FILES[LAW_BLHS]).is_file():
            raise LegalRuleError(
                f"DESK_LEGAL_DATA_DIR={configured!r}: không tìm thấy tệp {_FILES[LAW_BLHS]} trong "
                "thư mục này."
            )
        return path
    return PACKAGED_DATA_DIR


# --- Structure ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Penalty:
    """The main penalties of one bracket (khung hình phạt), as written in the clause.

    Durations are kept in months so that "06 tháng" and "03 năm" compare exactly.
    """

    text: str
    prison_min_months: int | None = None
    prison_max_months: int | None = None
    life: bool = False  # tù chung thân
    death: bool = False  # tử hình
    fine: bool = False  # phạt tiền
    non_custodial: bool = False  # cải tạo không giam giữ
    warning: bool = False  # cảnh cáo

    @property
    def prison_min_years(self) -> float | None:
        return None if self.prison_min_months is None else self.prison_min_months / 12

    @property
    def prison_max_years(self) -> float | None:
        return None if self.prison_max_months is None else self.prison_max_months / 12

    @property
    def custodial(self) -> bool:
        return self.prison_max_months is not None or self.life or self.death

    @property
    def non_custodial_only(self) -> bool:
        """Only a fine, non-custodial reform or a warning (no prison, life or death)."""
        return not self.custodial and (self.fine or self.non_custodial or self.warning)

    @property
    def maximum_label(self) -> str:
        """The highest penalty of the bracket, in words ("tử hình", "15 năm tù"...)."""
        if self.death:
            return "tử hình"
        if self.life:
            return "tù chung thân"
        if self.prison_max_months is not None:
            return _months_label(self.prison_max_months) + " tù"
        if self.non_custodial:
            return "cải tạo không giam giữ"
        if self.fine:
            return "phạt tiền"
        if self.warning:
            return "cảnh cáo"
        return "không xác định"


def _months_label(months: int) -> str:
    years, rest = divmod(months, 12)
    if years and rest:
        return f"{years} năm {rest} tháng"
    return f"{years} năm" if years else f"{rest} tháng"


class ClauseKind(StrEnum):
    BRACKET = "bracket"  # a penalty bracket for a natural person
    ADDITIONAL = "additional"  # hình phạt bổ sung ("Người phạm tội còn có thể bị ...")
    LEGAL_ENTITY = "legal_entity"  # penalties of a commercial legal entity (pháp nhân thương mại)
    OTHER = "other"  # definitions, exemptions, procedure...


@dataclass(frozen=True, slots=True)
class Point:
    """An điểm (a, b, c, d, đ, e, g...) of a clause."""

    letter: str
    text: str
    penalty: Penalty | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    """A khoản. `number` is 0 for an article written as one paragraph (no numbered khoản)."""

    number: int
    text: str  # the whole clause: its lead line, points and further paragraphs
    lead: str  # the first line
    points: tuple[Point, ...]
    kind: ClauseKind
    penalty: Penalty | None

    def point(self, letter: str) -> Point:
        for item in self.points:
            if item.letter == letter:
                return item
        raise LegalRuleError(f"Khoản {self.number} không có điểm {letter}.")


@dataclass(frozen=True, slots=True)
class Article:
    law: str
    label: str  # "174", "217a"
    number: int
    title: str
    part: str
    chapter: str | None
    section: str | None
    text: str
    intro: str  # lines before the first numbered clause, if any
    clauses: tuple[Clause, ...]
    status: str  # "", "repealed", "text_missing_in_source"
    source_note: str

    @property
    def heading(self) -> str:
        return f"Điều {self.label}. {self.title}"

    @property
    def citation(self) -> Citation:
        """The article as a citation; `str()` gives "BLHS 2015, Điều 174"."""
        return Citation(_LAWS[self.law].code, self.label)

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    @property
    def is_crime(self) -> bool:
        """True for the BLHS articles defining a crime ("Tội ..." in Phần thứ hai)."""
        return (
            self.law == LAW_BLHS
            and self.part.startswith("Phần thứ hai")
            and self.has_text
            and self.title.startswith("Tội")
        )

    @property
    def has_numbered_clauses(self) -> bool:
        return any(c.number > 0 for c in self.clauses)

    def clause(self, number: int | None) -> Clause:
        """The clause `number`; None (or 0) for an article written as one paragraph."""
        if not self.has_text:
            raise LegalRuleError(no_text_message(self))
        wanted = number or 0
        for item in self.clauses:
            if item.number == wanted:
                return item
        if wanted == 0:
            raise LegalRuleError(
                f"Điều {self.label} {self.law} có nhiều khoản: cần ghi rõ khoản bị áp dụng."
            )
        if not self.has_numbered_clauses:
            raise LegalRuleError(
                f"Điều {self.label} {self.law} không chia khoản: chỉ ghi điều, không ghi khoản."
            )
        raise LegalRuleError(f"Điều {self.label} {self.law} không có khoản {wanted}.")


def no_text_message(article: Article) -> str:
    if article.status == "repealed":
        return f"Điều {article.label} {article.law} đã bị bãi bỏ (Luật số 12/2017/QH14)."
    return (
        f"Điều {article.label} {article.law} chưa có nội dung trong dữ liệu pháp điển; "
        "cần bổ sung từ văn bản gốc trước khi sử dụng."
    )


# --- Parsing -------------------------------------------------------------------------------

_CLAUSE_LINE = re.compile(r"^(\d+)\.\s")
_POINT_LINE = re.compile(r"^([a-zđ])\)\s")
_PENALTY_START = re.compile(r"\bthì (?:bị )?(?:xử )?phạt\b|\bbị phạt\b")
_PRISON_RANGE = re.compile(r"\btù từ (\d+) (năm|tháng) đến (\d+) (năm|tháng)")
_PRISON_UP_TO = re.compile(r"\bphạt tù đến (\d+) (năm|tháng)")
_PRISON_FIXED = re.compile(r"\btù (\d+) năm\b")


def _months(amount: str, unit: str) -> int:
    return int(amount) * (12 if unit == "năm" else 1)


def parse_penalty(text: str) -> Penalty | None:
    """The main penalties named in a clause's lead line (None if it names none).

    Only the part after "thì bị phạt" / "bị phạt" is read, so conditions such as
    "đã bị kết án" earlier in the sentence are never taken for a penalty.
    """
    match = _PENALTY_START.search(text)
    if match is None:
        return None
    phrase = text[match.start() :].rstrip(".;:")
    prison_min = prison_max = None
    if found := _PRISON_RANGE.search(phrase):
        prison_min = _months(found.group(1), found.group(2))
        prison_max = _months(found.group(3), found.group(4))
    elif found := _PRISON_UP_TO.search(phrase):
        prison_min, prison_max = (
            3,
            _months(found.group(1), found.group(2)),
        )  # BLHS Điều 38: tù từ 03 tháng
    elif found := _PRISON_FIXED.search(phrase):
        prison_min = prison_max = _months(found.group(1), "năm")
    penalty = Penalty(
        text=phrase,
        prison_min_months=prison_min,
        prison_max_months=prison_max,
        life="tù chung thân" in phrase,
        death="tử hình" in phrase,
        fine="phạt tiền" in phrase,
        non_custodial="cải tạo không giam giữ" in phrase,
        warning="cảnh cáo" in phrase,
    )
    if not (penalty.custodial or penalty.fine or penalty.non_custodial or penalty.warning):
        return None  # e.g. "thì bị xử lý theo quy định tại Điều này"
    return penalty


def _clause_kind(lead: str, penalty: Penalty | None) -> ClauseKind:
    body = _CLAUSE_LINE.sub("", lead, count=1)
    if body.startswith("Pháp nhân thương mại"):
        return ClauseKind.LEGAL_ENTITY
    if body.startswith("Người phạm tội còn") or body.startswith("Người phạm tội cũng"):
        return ClauseKind.ADDITIONAL
    return ClauseKind.BRACKET if penalty is not None else ClauseKind.OTHER


def _build_clause(number: int, lines: list[str], with_penalties: bool) -> Clause:
    lead = lines[0]
    points: list[Point] = []
    for line in lines[1:]:
        if found := _POINT_LINE.match(line):
            points.append(
                Point(found.group(1), line, parse_penalty(line) if with_penalties else None)
            )
    penalty = parse_penalty(lead) if with_penalties else None
    kind = _clause_kind(lead, penalty) if with_penalties else ClauseKind.OTHER
    if kind in (ClauseKind.ADDITIONAL, ClauseKind.LEGAL_ENTITY):
        penalty = None  # not a bracket for a natural person
    return Clause(number, "\n".join(lines), lead, tuple(points), kind, penalty)


def _parse_article(record: dict[str, object]) -> Article:
    law = str(record["law"])
    text = str(record.get("text") or "")
    part = str(record.get("part") or "")
    with_penalties = law == LAW_BLHS and part.startswith("Phần thứ hai")
    intro: list[str] = []
    groups: list[tuple[int, list[str]]] = []
    for line in text.split("\n") if text else []:
        if found := _CLAUSE_LINE.match(line):
            groups.append((int(found.group(1)), [line]))
        elif groups:
            groups[-1][1].append(line)
        else:
            intro.append(line)
    if groups:
        clauses = tuple(_build_clause(number, lines, with_penalties) for number, lines in groups)
    elif intro:
        # One paragraph (or a paragraph with points): the whole article is one bracket.
        clauses = (_build_clause(0, intro, with_penalties),)
        intro = []
    else:
        clauses = ()
    article = record["article"]
    if not isinstance(article, int | str):
        raise ValueError(f"{law}: article number {article!r} is neither a number nor a text")
    number = int(article)
    return Article(
        law=law,
        label=str(record.get("article_label") or number),
        number=number,
        title=str(record.get("title") or ""),
        part=part,
        chapter=str(record.get("chapter") or "") or None,
        section=str(record.get("section") or "") or None,
        text=text,
        intro="\n".join(intro),
        clauses=clauses,
        status=str(record.get("status") or ""),
        source_note=str(record.get("phapdien_note") or ""),
    )


def build_article(
    base: Article, *, label: str, title: str, text: str, status: str = "", source_note: str = ""
) -> Article:
    """An article with a new text (an amended version), placed where `base` is in the Code."""
    return _parse_article(
        {
            "law": base.law,
            "article": int(re.sub(r"\D", "", label)),
            "article_label": label,
            "title": title,
            "part": base.part,
            "chapter": base.chapter,
            "section": base.section,
            "text": text,
            "status": status,
            "phapdien_note": source_note,
        }
    )


def held_articles(file_name: str) -> dict[str, Article]:
    """The articles of one packaged text, by label (see registry.LawVersion.data_file)."""
    return _load_file(file_name)


def _load(law: str) -> dict[str, Article]:
    return _load_file(_FILES[law])


@cache
def _load_file(name: str) -> dict[str, Article]:
    path = data_dir() / name
    articles: dict[str, Article] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                article = _parse_article(json.loads(line))
                articles[article.label] = article
    return articles


def reload() -> None:
    """Forget the loaded codes (after DESK_LEGAL_DATA_DIR changed)."""
    _load_file.cache_clear()
    _folded_titles.cache_clear()


# --- Folding --------------------------------------------------------------------------------

_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics ("Lừa đảo" -> "lua dao"): the folding of
    `core.text.fold`, restated because this package sits below `core` and imports nothing of
    the desk (tests/legal/test_code.py checks the two agree)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


# --- Look-ups ------------------------------------------------------------------------------

_LABEL = re.compile(r"^\s*(?:điều|dieu|đ\.?)?\s*(\d+)\s*([a-z]?)\s*$", re.IGNORECASE)


def _normalise_label(label: str | int) -> str:
    found = _LABEL.match(str(label))
    if not found:
        return str(label).strip()
    return f"{int(found.group(1))}{found.group(2).lower()}"


def article(label: str | int) -> Article:
    """A BLHS article by its label: "174", 174, "Điều 174", "217a"."""
    key = _normalise_label(label)
    found = _load(LAW_BLHS).get(key)
    if found is None:
        raise LegalRuleError(f"Bộ luật Hình sự 2015 không có Điều {key}.")
    return found


def clause(label: str | int, number: int | None) -> Clause:
    """A BLHS clause; `number` None or 0 for an article written as one paragraph."""
    return article(label).clause(number)


def procedure_article(number: int | str) -> Article:
    """A BLTTHS 2015 article by number (e.g. 173 — "Thời hạn tạm giam để điều tra")."""
    key = _normalise_label(number)
    found = _load(LAW_BLTTHS).get(key)
    if found is None:
        raise LegalRuleError(f"Bộ luật Tố tụng hình sự 2015 không có Điều {key}.")
    return found


def articles(law: str = LAW_BLHS) -> Iterator[Article]:
    """Every article of a code, in order (217a after 217)."""
    return iter(_load(law).values())


@cache
def _folded_titles(law: str) -> tuple[tuple[str, Article], ...]:
    return tuple((fold(a.title), a) for a in _load(law).values())


def find_articles(query: str, *, law: str = LAW_BLHS, limit: int = 50) -> list[Article]:
    """Articles by number ("174", "Điều 217a") or by words of the title ("lừa đảo",
    diacritics ignored, every word must appear). Crimes come before general articles."""
    query = query.strip()
    if not query:
        return []
    if _LABEL.match(query):
        found = _load(law).get(_normalise_label(query))
        return [found] if found else []
    words = fold(query).split()
    hits = [a for title, a in _folded_titles(law) if all(w in title for w in words)]
    phrase = " ".join(words)
    # Whole phrase first, then crimes before general provisions, then article order.
    hits.sort(key=lambda a: (phrase not in fold(a.title), not a.is_crime, a.number, a.label))
    return hits[:limit]


# --- The text in force on a date -------------------------------------------------------------


def article_in_force(law_name: str, label: str | int, on: dt.date) -> ArticleInForce:
    """The article as in force on `on`: see `law.versions.article_in_force`."""
    from digitaldesk.law import versions  # versions builds on this module

    return versions.article_in_force(law_name, label, on)


if TYPE_CHECKING:
    from digitaldesk.law.versions import ArticleInForce
