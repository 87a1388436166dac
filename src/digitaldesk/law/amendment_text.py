"""Reading an amending law as published into `Amendment`s, and the diff of an article.

The official style (Nghị định 30/2020/NĐ-CP for the layout; the amending laws of 2024–2025 for
the wording) writes one instruction per numbered khoản of "Điều 1", sometimes grouped under an
umbrella sentence with lettered points:

    1. Sửa đổi, bổ sung khoản 3 Điều 40 như sau:
    “3. …”.
    2. Bổ sung Điều 256a vào sau Điều 256 như sau:
    “Điều 256a. …”.
    3. Bổ sung, bãi bỏ một số điểm của khoản 1 và khoản 2 Điều 4 như sau:
    a) Bổ sung điểm p vào sau điểm o khoản 1 như sau:
    “p) …”;
    c) Bãi bỏ các điểm a, d và g khoản 2.
    4. Thay thế cụm từ “A” bằng cụm từ “B” tại khoản 5 Điều 172 và khoản 3 Điều 173.

`parse_amending_law(text)` returns the law's number, its effective date ("có hiệu lực thi hành từ
ngày 01 tháng 7 năm 2025"), the Code it amends and the instructions; a paragraph it cannot read
is returned in `unread` (never guessed). `article_diff(old, new)` pairs the lines of two texts of
an article for a side-by-side view.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from digitaldesk.law import LegalRuleError
from digitaldesk.law.amendments import Amendment

_NUMBER = re.compile(r"Luật số:\s*(\d+/\d{4}/QH\d+)")  # the title block's "Luật số: …"
_EFFECTIVE = re.compile(
    r"có hiệu lực thi hành (?:kể )?từ ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})", re.IGNORECASE
)
_CODES = (("Bộ luật Tố tụng hình sự", "BLTTHS"), ("Bộ luật Hình sự", "BLHS"))
_ARTICLE_HEADING = re.compile(r"^Điều (\d+[a-z]?)\.\s*(.*)$")
_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
_SUBITEM = re.compile(r"^([a-zđ])\)\s+(.*)$")
_OPEN_QUOTE = "“"
_CUT = "[…]"
_CLOSE_QUOTE = re.compile(r"”\s*[.;,]?\s*$")

_ART = r"Điều (\d+[a-z]?)"
_AMEND = r"Sửa đổi(?:, bổ sung)?"
_LETTERS = r"((?:[a-zđ](?:,\s*|\s+và\s+)?)+)"
_CLAUSES = r"((?:\d+(?:,\s*|\s+và\s+)?)+)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (op, re.compile(pattern, re.IGNORECASE))
    for op, pattern in (
        (
            "add_point",
            rf"^Bổ sung điểm ([a-zđ]) vào sau điểm ([a-zđ])(?: khoản (\d+))?(?: {_ART})?",
        ),
        ("add_clause", rf"^Bổ sung khoản (\d+) vào sau khoản (\d+)(?: {_ART})?"),
        ("add_article", rf"^Bổ sung {_ART} vào sau {_ART}"),
        ("repeal_point", rf"^Bãi bỏ (?:các )?điểm {_LETTERS} khoản (\d+)(?: {_ART})?"),
        ("repeal_clause", rf"^Bãi bỏ (?:các )?khoản {_CLAUSES}(?: {_ART})?"),
        ("repeal_article", rf"^Bãi bỏ {_ART}"),
        ("replace_point", rf"^{_AMEND} điểm ([a-zđ]) khoản (\d+)(?: {_ART})?"),
        ("replace_clause", rf"^{_AMEND} khoản (\d+)(?: {_ART})?(?= như sau|\s*$|:)"),
        ("replace_article", rf"^{_AMEND} {_ART}(?= như sau|\s*$|:)"),
        (
            "replace_phrase",
            r"^(?:Thay thế|Thay) cụm từ “([^”]+)” bằng cụm từ “([^”]+)” (?:tại|ở) (.+)$",
        ),
        ("remove_phrase", r"^Bỏ cụm từ “([^”]+)” (?:tại|ở) (.+)$"),
    )
)
# An umbrella sentence: the article (and clauses) its lettered points amend, or the Code whose
# articles they amend ("Sửa đổi, bổ sung một số điều của Bộ luật Tố tụng hình sự … như sau:").
_UMBRELLA = re.compile(rf"một số (?:điểm|khoản).*?{_ART}\s+như sau", re.IGNORECASE)
_CODE_UMBRELLA = re.compile(
    r"một số điều của (Bộ luật [^,;:]+?)(?: số| đã|\s+như sau|:)", re.IGNORECASE
)
_TARGET = re.compile(r"(?:điểm ([a-zđ]) )?(?:khoản (\d+) )?Điều (\d+[a-z]?)")
_TARGET_LIST = re.compile(r"các điều ((?:\d+[a-z]?(?:,\s*|\s+và\s+)?)+)", re.IGNORECASE)


@dataclass
class ParsedLaw:
    number: str
    title: str
    effective_from: dt.date
    law: str  # the registry code of the Code amended ("BLTTHS")
    instructions: list[Amendment] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # paragraphs not understood (shown to the user)


@dataclass
class _Pending:
    id: str
    provision: str
    sentence: str
    op: str
    groups: tuple[str | None, ...]
    article: str | None
    quoted: list[str] = field(default_factory=list)
    cut: bool = False


def _split_list(value: str) -> list[str]:
    return [v for v in re.split(r",\s*|\s+và\s+", value.strip()) if v]


def parse_amending_law(
    text: str,
    *,
    code: str | None = None,
    effective_from: dt.date | None = None,
    number: str | None = None,
) -> ParsedLaw:
    """The instructions of an amending law's text (see the module docstring).

    `code`: the registry code of the Code amended when the text does not say it in its title;
    `effective_from`, `number`: when the text does not say them (a partial text).
    Raises LegalRuleError (Vietnamese) when the text has no law number, no effective date, or
    no instruction at all.
    """
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    lines = [line for line in lines if line]
    joined = "\n".join(lines)
    found_number = _NUMBER.search(joined)
    if found_number is not None:
        number = found_number.group(1)
    if number is None:
        raise LegalRuleError('Không tìm thấy số hiệu luật ("Luật số: …/…/QH…") trong văn bản.')
    effective = _EFFECTIVE.search(joined)
    if effective is not None:
        effective_from = dt.date(
            int(effective.group(3)), int(effective.group(2)), int(effective.group(1))
        )
    if effective_from is None:
        raise LegalRuleError(
            'Văn bản không ghi ngày có hiệu lực ("có hiệu lực thi hành từ ngày …"): cần nhập ngày '
            "có hiệu lực."
        )
    title_line = _title(lines)
    target = code or next(
        (short for name, short in _CODES if name.lower() in joined.lower()[:2000]), ""
    )
    if not target:
        raise LegalRuleError("Không xác định được bộ luật được sửa đổi (BLHS hoặc BLTTHS).")
    parsed = ParsedLaw(number, title_line, effective_from, target)
    _read_instructions(lines, parsed)
    if not parsed.instructions:
        raise LegalRuleError("Không đọc được quy định sửa đổi nào trong văn bản.")
    return parsed


def _title(lines: list[str]) -> str:
    """ "Luật sửa đổi, bổ sung một số điều của Bộ luật Hình sự" from the title block."""
    for index, line in enumerate(lines[:-1]):
        if line == "LUẬT":
            title = "Luật " + lines[index + 1].lower()
            for name, _ in _CODES:
                title = title.replace(name.lower(), name)
            return title
    return ""


def _read_instructions(lines: list[str], parsed: ParsedLaw) -> None:
    article_no = ""  # the amending law's own article ("Điều 1")
    item = ""  # its khoản
    umbrella_article: str | None = None
    pending: _Pending | None = None
    in_quote = False
    for line in lines:
        if _CUT in line or line.startswith("[MISSING"):
            # A text cut in the source (the recovered fragments): the instruction is not read.
            if pending is not None:
                pending.cut = True
            in_quote = False
            continue
        if in_quote and pending is not None:
            pending.quoted.append(line)
            if _CLOSE_QUOTE.search(line):
                in_quote = False
            continue
        if line.startswith(_OPEN_QUOTE) and pending is not None:
            pending.quoted.append(line)
            in_quote = not _CLOSE_QUOTE.search(line)
            continue
        if heading := _ARTICLE_HEADING.match(line):
            _flush(pending, parsed)
            pending, umbrella_article, item = None, None, ""
            article_no = heading.group(1)
            continue
        if not article_no or not article_no.isdigit():
            continue
        sentence, provision = None, ""
        if found := _ITEM.match(line):
            item, sentence = found.group(1), found.group(2)
            provision = f"Điều {article_no} khoản {item}"
            umbrella_article = None
        elif (found := _SUBITEM.match(line)) and item:
            sentence = found.group(2)
            provision = f"Điều {article_no} khoản {item} điểm {found.group(1)}"
        if sentence is None:
            continue
        _flush(pending, parsed)
        pending = None
        if umbrella := _UMBRELLA.search(sentence):
            umbrella_article = umbrella.group(1)
            continue
        if _CODE_UMBRELLA.search(sentence) and "như sau" in sentence:
            umbrella_article = None
            continue
        for op, pattern in _PATTERNS:
            if found := pattern.match(sentence):
                pending = _Pending(
                    f"{parsed.number}:{provision}",
                    provision,
                    sentence,
                    op,
                    found.groups(),
                    umbrella_article,
                )
                break
        else:
            if re.match(r"^(Sửa đổi|Bổ sung|Bãi bỏ|Thay thế|Bỏ)", sentence):
                parsed.unread.append(f"{provision}: {sentence}")
    _flush(pending, parsed)


def _flush(pending: _Pending | None, parsed: ParsedLaw) -> None:
    if pending is None:
        return
    if pending.cut:
        parsed.unread.append(f"{pending.provision}: {pending.sentence} (văn bản bị cắt)")
        return
    try:
        parsed.instructions.extend(_instructions(pending, parsed))
    except LegalRuleError as error:
        parsed.unread.append(f"{pending.provision}: {pending.sentence} ({error})")


def _quoted(p: _Pending) -> str:
    text = "\n".join(p.quoted).strip()
    text = _CLOSE_QUOTE.sub("", text)
    return text.removeprefix(_OPEN_QUOTE).strip()


def _instructions(p: _Pending, parsed: ParsedLaw) -> list[Amendment]:
    g = p.groups
    effective = parsed.effective_from

    def make(op: str, article: str | None, **extra: object) -> Amendment:
        if not article:
            raise LegalRuleError("không xác định được điều bị sửa đổi")
        suffix = extra.pop("suffix", "")
        return Amendment(
            id=p.id + str(suffix),
            amending_law=parsed.number,
            provision=p.provision,
            effective_from=effective,
            law=parsed.law,
            article=article,
            op=op,
            instruction=p.sentence,
            source_quality="official_text",
            **extra,  # type: ignore[arg-type]  # the keyword fields of Amendment
        )

    new_text = _quoted(p)
    needs_text = p.op in ("add_point", "add_clause", "add_article", "replace_point")
    needs_text = needs_text or p.op in ("replace_clause", "replace_article")
    if needs_text and not new_text:
        raise LegalRuleError("thiếu đoạn văn bản mới trong ngoặc kép")
    if p.op == "add_point":
        return [
            make(
                "add_point",
                g[3] or p.article,
                clause=_int(g[2]),
                point=g[0],
                after_point=g[1],
                new_text=new_text,
            )
        ]
    if p.op == "add_clause":
        return [make("add_clause", g[2] or p.article, clause=int(str(g[0])), new_text=new_text)]
    if p.op == "add_article":
        return [make("add_article", g[0], new_text=new_text)]
    if p.op == "repeal_point":
        return [
            make(
                "repeal_point",
                g[2] or p.article,
                clause=_int(g[1]),
                point=letter,
                suffix=f"/{letter}",
            )
            for letter in _split_list(str(g[0]))
        ]
    if p.op == "repeal_clause":
        return [
            make("repeal_clause", g[1] or p.article, clause=int(number), suffix=f"/{number}")
            for number in _split_list(str(g[0]))
        ]
    if p.op == "repeal_article":
        return [make("repeal_article", g[0])]
    if p.op == "replace_point":
        return [
            make(
                "replace_point", g[2] or p.article, clause=_int(g[1]), point=g[0], new_text=new_text
            )
        ]
    if p.op == "replace_clause":
        return [make("replace_clause", g[1] or p.article, clause=_int(g[0]), new_text=new_text)]
    if p.op == "replace_article":
        return [make("replace_article", g[0], new_text=new_text)]
    phrase_from, phrase_to, places = (
        (str(g[0]), str(g[1]), str(g[2]))
        if p.op == "replace_phrase"
        else (str(g[0]), "", str(g[1]))
    )
    targets = _targets(places, p.article)
    if not targets:
        raise LegalRuleError("không xác định được nơi thay thế cụm từ")
    return [
        make(
            "replace_phrase",
            article,
            clause=clause,
            phrase_from=phrase_from,
            phrase_to=phrase_to,
            suffix=f"/{article}" + (f".{clause}" if clause else ""),
        )
        for article, clause in targets
    ]


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _targets(places: str, default_article: str | None) -> list[tuple[str, int | None]]:
    """ "khoản 5 Điều 172 và khoản 3 Điều 173" -> [("172", 5), ("173", 3)];
    "các điều 35, 36 và 37" -> [("35", None), ("36", None), ("37", None)]."""
    found: list[tuple[str, int | None]] = []
    for listed in _TARGET_LIST.finditer(places):
        found.extend((label, None) for label in _split_list(listed.group(1)))
    rest = _TARGET_LIST.sub("", places)
    for match in _TARGET.finditer(rest):
        found.append((match.group(3), _int(match.group(2))))
    if not found and default_article and "khoản" in places:
        found.extend((default_article, int(n)) for n in re.findall(r"khoản (\d+)", places))
    return found


# --- Side-by-side diff ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One row of a side-by-side diff: `kind` is "same", "changed", "removed" or "added"."""

    kind: str
    old: str
    new: str


def article_diff(old: str, new: str) -> list[DiffRow]:
    """The lines of two texts of an article, paired for a side-by-side view."""
    a, b = old.split("\n") if old else [], new.split("\n") if new else []
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(DiffRow("same", line, line) for line in a[i1:i2])
        elif tag == "delete":
            rows.extend(DiffRow("removed", line, "") for line in a[i1:i2])
        elif tag == "insert":
            rows.extend(DiffRow("added", "", line) for line in b[j1:j2])
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for index in range(max(len(olds), len(news))):
                left = olds[index] if index < len(olds) else ""
                right = news[index] if index < len(news) else ""
                rows.append(
                    DiffRow(
                        "changed" if left and right else "removed" if left else "added", left, right
                    )
                )
    return rows
