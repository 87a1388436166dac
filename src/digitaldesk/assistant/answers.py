"""Extractive, intent-aware answers built from a `Retrieval` (no language model).

- citation: the provisions named, quoted whole (the clause named first);
- deadline: the clause that states the time limit leads;
- facts ("tội gì"): the offence article leads, then the general-part articles that usually go
  with it ("thường áp dụng kèm": BLHS Điều 50, 51, 52, 38, 47, 48, and 17/58 when several
  people acted, 65 when the top bracket allows a suspended sentence, 91 for minors);
- otherwise the best passages.

Every passage is quoted verbatim, cut into segments so that the template marks the words of the
question (`<mark>`) without HTML built in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from digitaldesk.assistant.engine import Engine, Intent, Passage, Retrieval
from digitaldesk.assistant.figures import figure
from digitaldesk.assistant.textproc import FUNCTION_WORDS, syllables
from digitaldesk.law import LegalRuleError
from digitaldesk.law.code import article_in_force, fold

# Words too common to highlight.
_STOP = FUNCTION_WORDS | {"nguoi"}
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MINOR = re.compile(r"dưới 18 tuổi|chưa thành niên|\b1[4-7] tuổi", re.IGNORECASE)
_SEVERAL = re.compile(r"đồng bọn|\bcùng\b|\bnhóm\b|rủ nhau|đồng phạm", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    mark: bool


@dataclass
class Quote:
    passage: Passage
    segments: list[Segment]
    role: str = ""  # "offence", "time_limit", "cited", "co_applied", ""
    caveat: str = ""  # the text in force on the named date is not exact
    figure: str = ""  # the deadline engine's figure for the category named (figures.py)


@dataclass
class Answer:
    question: str
    intent: Intent
    quotes: list[Quote]
    co_applied: list[Quote] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    restored: str = ""
    phrased: str = ""  # the language model's short answer, checked (llm.py); "" when none
    llm_configured: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.quotes)


def highlight(text: str, question: str, common: frozenset[str] = frozenset()) -> list[Segment]:
    """`text` cut into segments. A word is marked when, with the word before or after it, it
    makes a pair of words of the question ("thời hạn", "điều tra"), or when it is a word of the
    question that is neither a stop word nor `common` (in many passages: "tội", "điều")."""
    asked = syllables(question)
    single = {w for w in asked if w not in _STOP and w not in common and len(w) > 1}
    pairs = {(a, b) for a, b in zip(asked, asked[1:], strict=False)}
    pieces = [p for p in re.split(r"(\w+)", text) if p]
    words = [(i, fold(p)) for i, p in enumerate(pieces) if re.fullmatch(r"\w+", p)]
    marked: set[int] = set()
    for n, (i, word) in enumerate(words):
        if word in single:
            marked.add(i)
        following = words[n + 1][1] if n + 1 < len(words) else ""
        if (word, following) in pairs and not (word in _STOP and following in _STOP):
            marked.update((i, words[n + 1][0]))
    segments: list[Segment] = []
    for i, piece in enumerate(pieces):
        mark = i in marked
        # A space between two marked words stays inside the mark.
        if not mark and not piece.strip() and i - 1 in marked and i + 1 in marked:
            mark = True
        if segments and segments[-1].mark == mark:
            segments[-1] = Segment(segments[-1].text + piece, mark)
        else:
            segments.append(Segment(piece, mark))
    return segments


def _named_date(question: str) -> dt.date | None:
    found = _DATE.search(question)
    if not found:
        return None
    try:
        return dt.date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


CO_APPLIED = ("50", "51", "52", "38", "47", "48")


def co_applied_labels(engine: Engine, offence: Passage, question: str) -> list[str]:
    labels = list(CO_APPLIED)
    if _SEVERAL.search(question):
        labels += ["17", "58"]
    item = engine.articles[offence.article_key]
    first = next((c for c in item.clauses if c.penalty is not None), None)
    if first is not None and first.penalty is not None:
        top = first.penalty.prison_max_months
        if top is not None and top <= 36:
            labels.append("65")  # án treo: phạt tù không quá 03 năm (BLHS Điều 65 khoản 1)
        if first.penalty.fine:
            labels.append("35")
    if _MINOR.search(question):
        labels += ["91", "101"]
    return labels


def build(engine: Engine, retrieval: Retrieval, *, limit: int = 5) -> Answer:
    question = retrieval.question
    hl_source = question + " " + retrieval.restored
    answer = Answer(question, retrieval.intent, [], restored=retrieval.restored)
    for key in retrieval.missing:
        item = engine.articles.get(key)
        code, label = key.split(":")
        if item is None:
            name = "Bộ luật Hình sự" if code == "BLHS" else "Bộ luật Tố tụng hình sự"
            answer.notices.append(f"{name} 2015 không có Điều {label}.")
        else:
            answer.notices.append(
                f"Điều {label} {code} chưa có nội dung trong dữ liệu pháp điển"
                + (" (đã bị bãi bỏ)." if item.status == "repealed" else ".")
            )
    ranked = [p for p, _ in retrieval.passages]
    if retrieval.intent is Intent.DEADLINE:
        timed = [p for p in ranked[:limit] if p.time_limit]
        ranked = timed + [p for p in ranked if p not in timed]
    seen_articles: list[str] = []
    lead_figure = ""
    for passage in ranked:
        if len(answer.quotes) >= limit:
            break
        # At most two clauses of one article, so that other articles show.
        if seen_articles.count(passage.article_key) >= 2:
            continue
        seen_articles.append(passage.article_key)
        role = ""
        if retrieval.references and passage.article_key in {r.key for r in retrieval.references}:
            role = "cited"
        elif retrieval.intent is Intent.DEADLINE and passage.time_limit and not answer.quotes:
            role = "time_limit"
            lead_figure = figure(passage.article_key, hl_source)
        elif retrieval.intent is Intent.FACTS and passage.is_crime and not answer.quotes:
            role = "offence"
        answer.quotes.append(
            Quote(passage, highlight(passage.text, hl_source, engine.common), role)
        )
        if role == "time_limit":
            answer.quotes[-1].figure = lead_figure
    if retrieval.intent is Intent.FACTS and answer.quotes and answer.quotes[0].role == "offence":
        offence = answer.quotes[0].passage
        for label in co_applied_labels(engine, offence, question):
            key = f"BLHS:{label}"
            idx = engine.by_article.get(key, [])
            if idx:
                p = engine.passages[idx[0]]
                answer.co_applied.append(Quote(p, [Segment(p.text, False)], "co_applied"))
    on = _named_date(question)
    if on is not None:
        for quote in answer.quotes:
            try:
                found = article_in_force(quote.passage.code, quote.passage.article, on)
            except LegalRuleError as exc:
                quote.caveat = str(exc)
                continue
            quote.caveat = found.caveat
    if retrieval.foreign:
        answer.notices.append(
            "Trợ lý chỉ hiểu câu hỏi bằng tiếng Việt (có dấu hoặc không dấu). "
            "Không tìm thấy điều luật phù hợp."
        )
    if not answer.quotes and not answer.notices:
        answer.notices.append(
            "Không tìm thấy điều luật phù hợp. Hãy hỏi bằng tiếng Việt, nêu rõ tội danh, "
            "giai đoạn tố tụng hoặc số điều (ví dụ: “Điều 173 BLTTHS”)."
        )
    return answer
