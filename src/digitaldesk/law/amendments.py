"""Amending instructions and how they change an article's text (docs/law.md, "Versions").

An `Amendment` is one instruction of an amending law ("Sửa đổi, bổ sung khoản 3 Điều 40 như
sau: ...", "Bãi bỏ điểm c khoản 1 Điều 161"), with its effective date and its source. `apply`
turns an article's text into the text after the instruction, the way the consolidated texts
are written (a repealed unit is kept as "c) (bị bãi bỏ)").

Where instructions come from:
- the recovered instructions of the 2024–2025 amending laws, packaged in
  `data/amendments-2024-2025/` (a copy of ../shared/data/legal/amendments-2024-2025/, see its
  README): `recovered()`;
- instructions a legal officer imported and a second person approved, held in the database by
  an app of an upper layer, which registers a provider at start-up
  (`register_amendment_provider`, as `law.calendar.register_calendar_provider`); this package
  never reads the database itself;
- the instructions known to exist whose wording was not recovered: `unrecovered()` (they are
  never applied; `versions` reports them as "may differ").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from digitaldesk.law import LegalRuleError

AMENDMENTS_DIR = Path(__file__).resolve().parent / "data" / "amendments-2024-2025"

# What an instruction does. The names are those of the recovered data's `op`, plus
# replace_point, add_clause and replace_phrase, which the import of an amending law produces.
OPS = frozenset(
    {
        "add_point",
        "repeal_point",
        "replace_point",
        "add_clause",
        "replace_clause",
        "repeal_clause",
        "replace_article",
        "add_article",
        "repeal_article",
        "replace_phrase",
    }
)
REPEALED = "(bị bãi bỏ)"
# Vietnamese point letters in order (no f, j, w, z; đ after d).
POINT_LETTERS = tuple("abcdđeghiklmnopqrstuvxy")


@dataclass(frozen=True, slots=True)
class Amendment:
    """One amending instruction. `law` is the registry code of the law amended ("BLTTHS")."""

    id: str  # "99/2025/QH15:Đ1.k1.a"
    amending_law: str  # "99/2025/QH15"
    provision: str  # the instruction's place in the amending law: "Điều 1 khoản 1 điểm a"
    effective_from: dt.date
    law: str
    article: str  # "4", "256a"
    op: str
    clause: int | None = None
    point: str | None = None
    after_point: str | None = None
    new_text: str = ""
    complete: bool = True  # False: the new text was cut in every copy found (never applied)
    phrase_from: str = ""
    phrase_to: str = ""
    instruction: str = ""  # the instruction's own words, verbatim where known
    source_quality: str = ""  # law_text_copy, secondary_quote, official_text (imported)
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise LegalRuleError(f'Không rõ loại sửa đổi "{self.op}" ({self.id}).')

    @property
    def applicable(self) -> bool:
        """True when the text after the instruction is known (a repeal needs no new text), or
        when a new article's text stops at a whole unit ("[MISSING: khoản 2 …]"): its known
        clauses exist from the effective date and the rest is reported as missing."""
        if self.complete or self.op in ("repeal_point", "repeal_clause", "repeal_article"):
            return True
        return self.op == "add_article" and _MISSING in self.new_text

    @property
    def basis(self) -> str:
        """Where the instruction is: "Điều 1 khoản 1 điểm a Luật số 99/2025/QH15"."""
        return f"{self.provision} Luật số {self.amending_law}"

    @property
    def target(self) -> str:
        """The unit it changes, smallest first: "điểm p khoản 1 Điều 4 BLTTHS"."""
        parts = []
        if self.point and self.op != "replace_phrase":
            parts.append(f"điểm {self.point}")
        if self.clause is not None:
            parts.append(f"khoản {self.clause}")
        parts.append(f"Điều {self.article} {self.law}")
        return " ".join(parts)

    def touches_clause(self, clause: int | None) -> bool:
        """True if the instruction may change clause `clause` (None: an unnumbered article)."""
        if self.op in ("replace_article", "add_article", "repeal_article"):
            return True
        if self.op == "replace_phrase" and self.clause is None:
            return True  # a phrase replaced across the article may touch any clause
        return self.clause == clause


@dataclass(frozen=True, slots=True)
class UnrecoveredAmendment:
    """An instruction known to exist whose wording was not recovered."""

    amending_law: str
    provision: str
    law: str
    articles: frozenset[str] | None  # None: which articles is not known
    effective_from: dt.date
    confidence: str  # secondary, inferred, inferred_likely, inferred_mapping, law_text_partial
    what: str  # what is known of it (English, from the data's README)


_LAW_CODES = {"BLHS 2015": "BLHS", "BLTTHS 2015": "BLTTHS"}
_NUMBER = re.compile(r"\d+")


def _clause(value: object) -> int | None:
    if value is None or value == "":
        return None
    return int(str(value))


_PROVISION = re.compile(r"^Điều \d+[a-z]?(?: khoản \d+)?(?: điểm [a-zđ])?")


def provision_text(provision: str) -> str:
    """The data's `amending_provision` in Vietnamese only ("Điều 1 (khoản unknown) or a general
    term-replacement clause" -> "Điều 1 (khoản chưa rõ)")."""
    found = _PROVISION.match(provision)
    if found is None:
        return "một quy định chưa rõ"
    rest = provision[found.end() :]
    if "unknown" in rest or " or " in rest or "other" in rest:
        return found.group(0) + " (khoản chưa rõ)"
    return found.group(0) + (" (phần còn lại)" if "rest" in rest else "")


def amendment_from_record(record: dict[str, object]) -> Amendment:
    """An `Amendment` from a record of `amendments.jsonl` (the shared data's schema)."""
    law = _LAW_CODES.get(str(record["target_law"]), str(record["target_law"]))
    sources = record.get("sources") or ()
    return Amendment(
        id=str(record["id"]),
        amending_law=str(record["amending_law"]),
        provision=provision_text(str(record.get("amending_provision") or "")),
        effective_from=dt.date.fromisoformat(str(record["effective"])),
        law=law,
        article=str(record["target_article"]),
        op=str(record["op"]),
        clause=_clause(record.get("clause")),
        point=str(record["point"]) if record.get("point") else None,
        after_point=str(record["after_point"]) if record.get("after_point") else None,
        new_text=str(record.get("new_text") or ""),
        complete=bool(record.get("new_text_complete", True)),
        phrase_from=str(record.get("phrase_from") or ""),
        phrase_to=str(record.get("phrase_to") or ""),
        instruction=str(record.get("instruction_text") or ""),
        source_quality=str(record.get("source_quality") or ""),
        sources=tuple(str(s) for s in sources) if isinstance(sources, list | tuple) else (),
    )


def _read(name: str) -> list[dict[str, object]]:
    path = AMENDMENTS_DIR / name
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def recovered() -> tuple[Amendment, ...]:
    """The recovered instructions of the 2024–2025 amending laws, in the data's order."""
    return tuple(amendment_from_record(r) for r in _read("amendments.jsonl"))


@cache
def unrecovered() -> tuple[UnrecoveredAmendment, ...]:
    """The instructions known to exist but not recovered."""
    items = []
    for r in _read("amendments-unrecovered.jsonl"):
        targets = r.get("target_articles")
        articles = (
            frozenset(str(a) for a in targets if _NUMBER.fullmatch(str(a).rstrip("a")))
            if isinstance(targets, list)
            else None
        )
        items.append(
            UnrecoveredAmendment(
                amending_law=str(r["amending_law"]),
                provision=provision_text(str(r["amending_provision"])),
                law=_LAW_CODES.get(str(r["target_law"]), ""),
                articles=articles,
                effective_from=dt.date.fromisoformat(str(r["effective"])),
                confidence=str(r.get("confidence") or ""),
                what=str(r.get("what") or ""),
            )
        )
    return tuple(items)


# --- Instructions held elsewhere (the database, through an upper layer) ------------------------

AmendmentProvider = Callable[[], Iterable[Amendment]]


class ProviderUnavailable(Exception):
    """Raised by a provider that cannot be asked now (its database is not reachable in this
    process: the pure tests of this package). Nothing is cached: the next use asks again."""


_UNAVAILABLE: tuple[Amendment, ...] = ()
_providers: list[AmendmentProvider] = []
_listeners: list[Callable[[], None]] = []


def register_amendment_provider(provider: AmendmentProvider) -> None:
    """Called by an app at start-up (AppConfig.ready) with a function returning the approved
    instructions it holds. Registering the same function twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)
    changed()


def on_change(listener: Callable[[], None]) -> None:
    """`listener` is called whenever the set of instructions may have changed (caches)."""
    if listener not in _listeners:
        _listeners.append(listener)


def changed() -> None:
    """Say that the instructions changed: the versions are rebuilt on next use."""
    _cached.clear()
    for listener in _listeners:
        listener()


_approval_listeners: list[Callable[[tuple[Amendment, ...]], None]] = []


def on_approved(listener: Callable[[tuple[Amendment, ...]], None]) -> None:
    """`listener(new)` is called after `approved(new)`: an app of an upper layer (cases)
    registers here at start-up to recompute what the new instructions touch."""
    if listener not in _approval_listeners:
        _approval_listeners.append(listener)


def approved(new: tuple[Amendment, ...]) -> None:
    """Say that instructions were approved (after the transaction committed)."""
    changed()
    for listener in _approval_listeners:
        listener(new)


_cached: list[tuple[Amendment, ...]] = []


def _provided() -> tuple[Amendment, ...]:
    if _cached:
        return _cached[0]
    try:
        found = tuple(item for provider in _providers for item in provider())
    except ProviderUnavailable:
        return _UNAVAILABLE
    _cached.append(found)
    return found


def all_amendments() -> tuple[Amendment, ...]:
    """The recovered instructions and those the registered providers hold."""
    return recovered() + _provided()


# --- Applying an instruction to an article's text ------------------------------------------

_MISSING = "\n[MISSING"  # the data's marker of a unit not recovered, on a line of its own
_CLAUSE_LINE = re.compile(r"^(\d+)\.\s")
_POINT_LINE = re.compile(r"^([a-zđ])\)\s")
_HEADING = re.compile(r"^Điều\s+(\d+[a-z]?)\.\s*(.*)$")


def _split(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    intro: list[str] = []
    clauses: list[tuple[int, list[str]]] = []
    for line in text.split("\n") if text else []:
        if found := _CLAUSE_LINE.match(line):
            clauses.append((int(found.group(1)), [line]))
        elif clauses:
            clauses[-1][1].append(line)
        else:
            intro.append(line)
    return intro, clauses


def _join(intro: list[str], clauses: list[tuple[int, list[str]]]) -> str:
    return "\n".join(intro + [line for _, lines in clauses for line in lines])


def _clause_index(clauses: list[tuple[int, list[str]]], number: int, a: Amendment) -> int:
    for index, (found, _) in enumerate(clauses):
        if found == number:
            return index
    raise LegalRuleError(
        f"Không áp dụng được {a.basis}: Điều {a.article} {a.law} không có khoản {number}."
    )


def _point_span(lines: list[str], letter: str) -> tuple[int, int] | None:
    """The lines [start, end) of point `letter` in a clause (its continuation lines included)."""
    start = None
    for index, line in enumerate(lines):
        found = _POINT_LINE.match(line)
        if found and start is not None:
            return start, index
        if found and found.group(1) == letter:
            start = index
    return (start, len(lines)) if start is not None else None


def _new_lines(text: str) -> list[str]:
    known = text.split(_MISSING, 1)[0]  # a cut text is applied only up to the missing unit
    return [line for line in known.strip().strip('“”"').split("\n") if line.strip()]


def split_heading(text: str) -> tuple[str, str, str]:
    """("256a", "Tội sử dụng trái phép chất ma túy", body) from "Điều 256a. Tội …\\nbody"."""
    lines = _new_lines(text)
    if not lines or not (found := _HEADING.match(lines[0])):
        raise LegalRuleError('Văn bản điều luật mới phải bắt đầu bằng "Điều <số>. <tên điều>".')
    return found.group(1), found.group(2).strip(), "\n".join(lines[1:])


def apply(title: str, text: str, a: Amendment) -> tuple[str, str]:
    """(title, text) of the article after instruction `a` (LegalRuleError if it cannot apply)."""
    if not a.applicable:
        raise LegalRuleError(f"{a.basis}: chưa có đầy đủ văn bản sửa đổi, không áp dụng được.")
    if a.op in ("replace_article", "add_article"):
        _, new_title, body = split_heading(a.new_text)
        return new_title, body
    if a.op == "repeal_article":
        return title, REPEALED
    if a.op == "replace_phrase":
        if not a.phrase_from or a.phrase_from not in text:
            raise LegalRuleError(
                f'Không áp dụng được {a.basis}: Điều {a.article} {a.law} không có cụm từ "'
                f'{a.phrase_from}".'
            )
        if a.clause is None:
            return title, text.replace(a.phrase_from, a.phrase_to)
    intro, clauses = _split(text)
    if a.op == "add_clause":
        if a.clause is None:
            raise LegalRuleError(f"{a.basis}: thiếu số khoản được bổ sung.")
        after = a.clause - 1
        index = next((i for i, (n, _) in enumerate(clauses) if n == after), len(clauses) - 1)
        clauses.insert(index + 1, (a.clause, _new_lines(a.new_text)))
        return title, _join(intro, clauses)
    if a.clause is None:
        raise LegalRuleError(f"{a.basis}: thiếu số khoản bị sửa đổi.")
    index = _clause_index(clauses, a.clause, a)
    number, lines = clauses[index]
    if a.op == "replace_clause":
        lines = _new_lines(a.new_text)
    elif a.op == "repeal_clause":
        lines = [f"{number}. {REPEALED}"]
    elif a.op == "replace_phrase":
        lines = [line.replace(a.phrase_from, a.phrase_to) for line in lines]
    else:
        lines = _apply_to_point(list(lines), a)
    clauses[index] = (number, lines)
    return title, _join(intro, clauses)


def _apply_to_point(lines: list[str], a: Amendment) -> list[str]:
    letter = a.point or ""
    if a.op == "add_point":
        after = a.after_point or (
            POINT_LETTERS[POINT_LETTERS.index(letter) - 1] if letter in POINT_LETTERS else ""
        )
        span = _point_span(lines, after)
        at = span[1] if span is not None else len(lines)
        return lines[:at] + _new_lines(a.new_text) + lines[at:]
    span = _point_span(lines, letter)
    if span is None:
        raise LegalRuleError(
            f"Không áp dụng được {a.basis}: khoản {a.clause} Điều {a.article} {a.law} không có "
            f"điểm {letter}."
        )
    start, end = span
    new = [f"{letter}) {REPEALED}"] if a.op == "repeal_point" else _new_lines(a.new_text)
    return lines[:start] + new + lines[end:]
