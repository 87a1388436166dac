"""The retrieval engine of the assistant over the two Codes (every clause a passage).

Pure Python above `law` (no Django), so `benchmarks/assistant/evaluate.py` runs it as the pages
do. Steps, each measured in the benchmark (docs/assistant.md):

1. citations named in the question ("khoản 2 điều 134 BLHS") come first, as they are;
2. abbreviations expanded, everyday words given the Codes' words (`textproc`);
3. BM25 (bm25s) over folded syllables and syllable pairs of the clause text, plus a second
   BM25 over the article titles; an unaccented question gives the same tokens as an accented one;
4. for a question without diacritics, the accented form restored by a model trained on the
   Codes (`restore`) feeds a third BM25 over underthesea's words (accented, "tạm_giam");
5. intent routing: a deadline question favours clauses that state a time limit; a question
   about case facts ("tội gì", or a paragraph naming people as judgments do: "Nguyễn Văn R",
   "anh H") favours the crimes of BLHS Phần thứ hai, adds the conduct lexicon's bonus and
   names the crimes whose names (the gazetteer of BLHS titles) appear in the facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import bm25s
import numpy as np

from digitaldesk.assistant import citations, textproc
from digitaldesk.assistant.lexicon import CONDUCT
from digitaldesk.assistant.restore import Restorer
from digitaldesk.law.code import LAW_BLHS, LAW_BLTTHS, Article, articles, fold

CODE_OF = {LAW_BLHS: "BLHS", LAW_BLTTHS: "BLTTHS"}
_TIME_LIMIT = re.compile(
    r"\b(\d+|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+(ngày|tháng|năm|giờ)\b"
)
_DEADLINE_WORDS = ("thoi han", "bao lau", "may ngay", "bao nhieu ngay", "gia han", "trong bao")
# Words of a question, and words of a narrative (the facts part of a report or judgment).
_ASKING = (
    "la gi",
    "bao lau",
    "the nao",
    "khi nao",
    "co duoc khong",
    "bao nhieu",
    "ai co quyen",
    "nhung truong hop",
    "nhung ai",
    "co phai",
    "o dau",
    "co bat buoc",
    "can gi",
    "phai lam gi",
    "duoc khong",
    "hay khong",
)
_NARRATIVE = (
    "da",
    "roi",
    "sau do",
    "gio",
    "anh",
    "chi",
    "ong",
    "ba",
    "chau",
    "dong bon",
    "bi bat",
    "thu giu",
    "trieu dong",
    "dong",
    "tri gia",
    "nhieu lan",
    "tai nha",
    "luc",
    "khoang",
    "ngay",
    "bi hai",
    "do mau thuan",
    "loi dung",
    "bo chay",
    "tieu xai",
)
_FACTS_WORDS = ("toi gi", "toi danh", "pham toi gi", "xu toi", "dieu nao")
# Folded narrative cues that are also common words of a question ("đã"/"da", "chị"/"chỉ",
# "bà"/"ba", "đồng"/"đông", "ngày"): half a cue each.
_AMBIGUOUS_CUES = frozenset(("da", "chi", "ba", "dong", "ngay", "gio", "luc", "bi hai"))
# A person named as judgments do: a lone capital after a word ("Nguyễn Văn R", "anh H").
_NAMED = re.compile(r"\w\s+[A-ZĐ](?![\w.:])")


# Chapters that apply only to some cases: ranked lower unless the question names their scope.
# (chapter text, folded words of the question that bring it back)
SPECIAL_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NGƯỜI DƯỚI 18 TUỔI", ("duoi 18", "chua thanh nien", "vi thanh nien", "chua du 18", "tre em")),
    ("PHÁP NHÂN", ("phap nhan", "cong ty", "doanh nghiep")),
    ("THỦ TỤC RÚT GỌN", ("rut gon",)),
    ("BẮT BUỘC CHỮA BỆNH", ("chua benh", "tam than")),
    (
        "CÁC TỘI XÂM PHẠM NGHĨA VỤ, TRÁCH NHIỆM CỦA QUÂN NHÂN",
        ("quan nhan", "quan doi", "bo doi", "dong doi", "chien dau", "quan su"),
    ),
    ("CÁC TỘI PHÁ HOẠI HÒA BÌNH", ("chien tranh", "hoa binh", "linh danh thue")),
    ("HỢP TÁC QUỐC TẾ", ("quoc te", "dan do", "nuoc ngoai", "uy thac tu phap")),
)


# The features of a candidate offence in the second stage (`Engine._offence_features`).
OFFENCE_FEATURES = (
    "first_stage",  # its best passage's score over the best candidate's
    "definition",  # BM25 over the offences' titles and first clauses, terms weighted by rarity
    "title",  # BM25 over the offences' titles alone
    "article",  # BM25 of the whole article, over the best crime's
    "conduct",  # conduct lexicon phrases found (at most 3)
    "conduct_phrases",  # the same, phrases of two syllables or more only ("đâm" does not count)
    "rank",  # 1 / its rank in the first stage
    "name",  # its name (the gazetteer of titles) is in the facts
    "age",  # its title's age range ("dưới 16 tuổi"): +1 an age in the facts fits, -1 none does
    "death",  # its title is about a death: +1 the facts tell one, -1 they do not
)
# Fitted by `benchmarks/assistant/fit_reranker.py` on the tuning splits, one per feature.
RERANK_WEIGHTS = (0.703, 0.868, -0.565, 0.804, 0.955, 2.216, 1.851, -0.538, 2.552, 1.126)
_AGE = re.compile(r"\b(\d{1,2}) (tuoi|thang tuoi)\b")
_TITLE_AGE = re.compile(r"(tu du (\d+) tuoi )?den duoi (\d+) tuoi|duoi (\d+) tuoi")
_DEATH_FACT = re.compile(r"\b(chet|tu vong|tu tu|thiet mang|qua doi|tu sat)\b")
_DEATH_TITLE = re.compile(r"\b(giet|chet|tu sat|buc tu)\b")


class Intent(StrEnum):
    CITATION = "citation"
    DEADLINE = "deadline"
    FACTS = "facts"
    GENERAL = "general"


@dataclass(frozen=True, slots=True)
class Passage:
    key: str  # "BLHS:173:2"; clause 0 for an article written as one paragraph
    code: str  # "BLHS" / "BLTTHS"
    article: str  # label: "173", "217a"
    clause: int
    title: str
    text: str  # the clause as written
    is_crime: bool
    time_limit: bool

    @property
    def article_key(self) -> str:
        return f"{self.code}:{self.article}"

    @property
    def reference(self) -> str:
        clause = f"khoản {self.clause} " if self.clause else ""
        return f"{clause}Điều {self.article} {self.code}"


@dataclass(frozen=True, slots=True)
class Options:
    """The steps of the engine, each switchable for the benchmark's ablation."""

    citations: bool = True
    synonyms: bool = True
    titles: bool = True
    restore: bool = True
    words: bool = False  # measured: +0.002 MRR for 19 s of start-up (docs/assistant.md)
    intents: bool = True
    gazetteer: bool = False  # measured: no gain over the conduct lexicon (docs)
    k1: float = 1.2
    b: float = 0.75
    title_weight: float = 0.6
    words_weight: float = 0.5
    deadline_boost: float = 0.5
    crime_boost: float = 0.6
    gazetteer_boost: float = 0.15
    article_weight: float = 1.0
    conduct: bool = True
    conduct_boost: float = 0.35
    conduct_by_length: bool = False  # measured: dev MRR -0.007 (HISTORY.md)
    special_penalty: float = 0.6
    rerank: bool = True
    rerank_depth: int = 15
    death_candidates: bool = True
    rerank_weights: tuple[float, ...] = RERANK_WEIGHTS


@dataclass
class Retrieval:
    question: str
    intent: Intent
    passages: list[tuple[Passage, float]]
    references: list[citations.Reference] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # cited provisions absent or without text
    restored: str = ""
    foreign: bool = False  # not Vietnamese: most words are not words of the Codes
    # Case facts: the candidate offences and their reranking features (OFFENCE_FEATURES).
    offence_candidates: list[str] = field(default_factory=list)
    offence_features: np.ndarray | None = None

    def article_keys(self) -> list[str]:
        seen: list[str] = []
        for passage, _ in self.passages:
            if passage.article_key not in seen:
                seen.append(passage.article_key)
        return seen


def _passages_of(item: Article) -> Iterable[Passage]:
    code = CODE_OF[item.law]
    for clause in item.clauses:
        yield Passage(
            key=f"{code}:{item.label}:{clause.number}",
            code=code,
            article=item.label,
            clause=clause.number,
            title=item.title,
            text=clause.text,
            is_crime=item.is_crime,
            time_limit=bool(_TIME_LIMIT.search(clause.text)) or item.title.startswith("Thời hạn"),
        )


def _elements(item: Article) -> str:
    """An offence as the Code defines it: its title (twice) and its first clause (the conduct
    and its constitutive elements), the penalty words left out."""
    body = item.clauses[0].text if item.clauses else item.text
    body = re.sub(r",?\s*thì bị phạt[^:\n]*:?", " ", body)
    return f"{item.title} {item.title} {body}"


def _segment(text: str) -> list[str]:
    from underthesea import word_tokenize  # imported on first use: 0.5 s

    return [w.lower().replace(" ", "_") for w in word_tokenize(text)]


class Engine:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.passages: list[Passage] = []
        self.articles: dict[str, Article] = {}
        for name in (LAW_BLHS, LAW_BLTTHS):
            for item in articles(name):
                self.articles[f"{CODE_OF[name]}:{item.label}"] = item
                self.passages.extend(_passages_of(item))
        self.by_article: dict[str, list[int]] = {}
        for i, p in enumerate(self.passages):
            self.by_article.setdefault(p.article_key, []).append(i)
        o = self.options
        self.text_index = bm25s.BM25(k1=o.k1, b=o.b)
        self.text_index.index(
            [textproc.tokens(p.title + " " + p.text) for p in self.passages], show_progress=False
        )
        self.title_index = bm25s.BM25(k1=o.k1, b=0.3)
        self.title_index.index(
            [textproc.tokens(p.title) for p in self.passages], show_progress=False
        )
        self.article_keys = list(self.by_article)
        self.article_index = bm25s.BM25(k1=o.k1, b=o.b)
        self.article_index.index(
            [
                textproc.tokens(self.articles[k].title + " " + self.articles[k].text)
                for k in self.article_keys
            ],
            show_progress=False,
        )
        self.passage_article = np.array(
            [self.article_keys.index(p.article_key) for p in self.passages], dtype=np.int64
        )
        self.scope_masks: list[tuple[np.ndarray, tuple[str, ...]]] = []
        for marker, triggers in SPECIAL_SCOPES:
            mask = np.array(
                [
                    marker.lower() in (self.articles[p.article_key].chapter or "").lower()
                    for p in self.passages
                ],
                dtype=bool,
            )
            self.scope_masks.append((mask, triggers))
        self.conduct: list[tuple[str, list[int], str]] = []
        for label, phrases in CONDUCT.items():
            key = f"BLHS:{label}"
            for phrase in phrases:
                self.conduct.append(
                    (" ".join(textproc.syllables(phrase)), self.by_article[key], key)
                )
        # The offences alone (BLHS crimes): a term's weight is how specific it is to one crime
        # ("chiếm đoạt" or "tài sản" appear in many, "thận" or "thai" in few).
        self.offence_keys = [k for k, a in self.articles.items() if a.is_crime]
        self.offence_index = bm25s.BM25(k1=o.k1, b=o.b)
        self.offence_index.index(
            [textproc.tokens(_elements(self.articles[k])) for k in self.offence_keys],
            show_progress=False,
        )
        self.offence_title_index = bm25s.BM25(k1=o.k1, b=0.3)
        self.offence_title_index.index(
            [textproc.tokens(self.articles[k].title) for k in self.offence_keys],
            show_progress=False,
        )
        offence_at = {k: i for i, k in enumerate(self.offence_keys)}
        self.offence_at = offence_at
        # Offences defined by the victim's age in their title, and those about a death.
        self.title_ages: dict[str, tuple[int, int]] = {}
        self.death_titles: set[str] = set()
        for key in self.offence_keys:
            folded_title = " ".join(textproc.syllables(self.articles[key].title))
            found = _TITLE_AGE.search(folded_title)
            if found:
                if found.group(3):
                    self.title_ages[key] = (int(found.group(2) or 0), int(found.group(3)))
                else:
                    self.title_ages[key] = (0, int(found.group(4)))
            if _DEATH_TITLE.search(folded_title):
                self.death_titles.add(key)
        self.passage_offence = np.array(
            [offence_at.get(p.article_key, -1) for p in self.passages], dtype=np.int64
        )
        # Syllables in more than one passage in eight: not worth marking in a quote.
        df: dict[str, int] = {}
        for p in self.passages:
            for syl in set(textproc.syllables(p.text)):
                df[syl] = df.get(syl, 0) + 1
        self.common = frozenset(k for k, v in df.items() if v > len(self.passages) / 8)
        self.crime_mask = np.array([p.is_crime for p in self.passages], dtype=bool)
        self.time_mask = np.array([p.time_limit for p in self.passages], dtype=bool)
        self.restorer = Restorer(a.title + "\n" + a.text for a in self.articles.values())
        self.words_index: bm25s.BM25 | None = None
        if o.words:
            self.words_index = bm25s.BM25(k1=o.k1, b=o.b)
            self.words_index.index(
                [_segment(p.title + ". " + p.text) for p in self.passages], show_progress=False
            )
        # Gazetteer: the folded names of the crimes ("trom cap tai san" -> BLHS:173).
        self.crime_names: list[tuple[str, str]] = []
        for key, item in self.articles.items():
            if item.is_crime:
                # "Tội tổ chức đánh bạc hoặc gá bạc" -> "to chuc danh bac", "ga bac".
                for name in re.split(r";\s*|\s+hoặc\s+", item.title):
                    name = re.sub(r"^tội\s+", "", name.strip(), flags=re.IGNORECASE)
                    folded_name = " ".join(textproc.syllables(name))
                    if len(folded_name.split()) >= 3:
                        self.crime_names.append((folded_name, key))

    # --- routing ------------------------------------------------------------------------

    def intent_of(self, question: str, refs: list[citations.Reference]) -> Intent:
        folded = " ".join(textproc.syllables(question))
        if refs and len(textproc.syllables(question)) <= 14:
            return Intent.CITATION
        if any(w in folded for w in _FACTS_WORDS):
            return Intent.FACTS
        # A narrative (a paragraph of facts) rather than a question.
        padded = f" {folded} "
        asking = any(f" {w} " in padded for w in _ASKING) or question.rstrip().endswith("?")
        narrative = sum(
            0.5 if w in _AMBIGUOUS_CUES else 1.0 for w in _NARRATIVE if f" {w} " in padded
        )
        if _NAMED.search(question):
            narrative += 2
        if len(folded.split()) >= 12 and not asking and narrative >= 2:
            return Intent.FACTS
        if any(w in folded for w in _DEADLINE_WORDS):
            return Intent.DEADLINE
        return Intent.GENERAL

    # --- search ---------------------------------------------------------------------------

    def search(self, question: str, *, limit: int = 10) -> Retrieval:
        o = self.options
        refs = citations.resolve(question) if o.citations else []
        intent = self.intent_of(question, refs) if o.intents else Intent.GENERAL
        result = Retrieval(question=question, intent=intent, passages=[], references=refs)
        words = textproc.syllables(question)
        known = sum(1 for w in words if w in self.restorer.candidates or w.isdigit())
        if not refs and words and known < 0.6 * len(words):
            result.foreign = True
            return result
        expanded = textproc.expand(question, synonyms=o.synonyms)
        q_tokens = textproc.tokens(expanded)
        scores = np.zeros(len(self.passages), dtype=np.float64)
        if q_tokens:
            scores += self.text_index.get_scores(q_tokens)
            if o.titles:
                scores += o.title_weight * self.title_index.get_scores(q_tokens)
        accented = question
        if o.restore and question.strip() and not textproc.has_diacritics(question):
            accented = self.restorer.restore(question)
            result.restored = accented if accented != question else ""
        if o.words and self.words_index is not None and o.words_weight and question.strip():
            words = [w for w in _segment(accented) if re.search(r"\w", w)]
            if words:
                scores += o.words_weight * self.words_index.get_scores(words)
        folded_q = " " + " ".join(textproc.syllables(question)) + " "
        if o.special_penalty < 1.0:
            for mask, triggers in self.scope_masks:
                if not any(f" {t} " in folded_q for t in triggers):
                    scores = scores * np.where(mask, o.special_penalty, 1.0)
        if intent is Intent.DEADLINE:
            scores = scores * np.where(self.time_mask, 1.0 + o.deadline_boost, 1.0)
        if intent is Intent.FACTS and q_tokens:
            # Facts describe a whole offence: score each article as a whole too.
            whole = self.article_index.get_scores(q_tokens)[self.passage_article]
            scores = (scores + o.article_weight * whole) * np.where(
                self.crime_mask, 1.0 + o.crime_boost, 1.0
            )
        conduct_raw: dict[str, float] = {}
        conduct_phrases: dict[str, float] = {}
        if o.conduct and intent in (Intent.FACTS, Intent.GENERAL):
            # The conduct as reports describe it (lexicon.py): a bonus per phrase found.
            top = float(scores.max()) if len(scores) else 0.0
            # A longer phrase is more specific ("thu tiền hồ" over "đâm"): weight 1 to 3 by its
            # syllables, halved.
            counts: dict[str, float] = {}
            for phrase, _, key in self.conduct:
                if f" {phrase} " in folded_q:
                    conduct_raw[key] = conduct_raw.get(key, 0.0) + 1.0
                    if len(phrase.split()) >= 2:
                        conduct_phrases[key] = conduct_phrases.get(key, 0.0) + 1.0
                    weight = min(len(phrase.split()), 3) / 2 if o.conduct_by_length else 1.0
                    counts[key] = counts.get(key, 0.0) + weight
            for key, n in counts.items():
                for i in self.by_article[key]:
                    scores[i] += o.conduct_boost * top * n
        if o.gazetteer and intent in (Intent.FACTS, Intent.GENERAL, Intent.DEADLINE):
            folded = " " + " ".join(textproc.syllables(expanded)) + " "
            top = float(scores.max()) if len(scores) else 0.0
            found = [(name, key) for name, key in self.crime_names if f" {name} " in folded]
            for name, key in found:
                # A name inside a longer name found ("đánh bạc" in "tổ chức đánh bạc") is the
                # longer crime's, not its own.
                if any(name != other and name in other for other, _ in found):
                    continue
                for i in self.by_article[key]:
                    scores[i] += o.gazetteer_boost * top
        if intent is Intent.FACTS:
            # The offence leads: crimes before the general part and the procedure.
            scores = scores + np.where(self.crime_mask & (scores > 0), float(scores.max()), 0.0)
            if q_tokens:
                self._offence_features(
                    result, scores, q_tokens, folded_q, conduct_raw, conduct_phrases
                )
                if o.rerank and o.rerank_weights and result.offence_features is not None:
                    scores = self._rerank(result, scores)
        ranked: list[tuple[Passage, float]] = []
        if refs:
            ranked.extend(self._cited(refs, result))
        order = np.argsort(-scores)[: limit * 8]
        cited = {p.key for p, _ in ranked}
        for i in order:
            if scores[i] <= 0:
                break
            if self.passages[i].key not in cited:
                ranked.append((self.passages[i], float(scores[i])))
        result.passages = ranked[: limit * 4]
        return result

    def _offence_features(
        self,
        result: Retrieval,
        scores: np.ndarray,
        q_tokens: list[str],
        folded_q: str,
        conduct_raw: dict[str, float],
        conduct_phrases: dict[str, float],
    ) -> None:
        """The top offences of the first stage and, for each, the features of OFFENCE_FEATURES."""
        best = np.zeros(len(self.offence_keys) + 1)
        np.maximum.at(best, self.passage_offence, scores)
        best = best[:-1]
        order = [int(i) for i in np.argsort(-best)[: self.options.rerank_depth] if best[i] > 0]
        if not order:
            return
        definition = self.offence_index.get_scores(q_tokens)
        title = self.offence_title_index.get_scores(q_tokens)
        whole = self.article_index.get_scores(q_tokens)
        whole_of = np.array([whole[self.article_keys.index(k)] for k in self.offence_keys])

        def norm(values: np.ndarray) -> np.ndarray:
            top = float(values.max())
            return values / top if top > 0 else values

        definition, title, whole_of = norm(definition), norm(title), norm(whole_of)
        names = {key for name, key in self.crime_names if f" {name} " in folded_q}
        ages = [int(n) if unit == "tuoi" else 0 for n, unit in _AGE.findall(folded_q)]
        death = bool(_DEATH_FACT.search(folded_q))
        if death and self.options.death_candidates:
            # A death told: the crimes about one are candidates even if the first stage missed.
            order += [self.offence_at[k] for k in sorted(self.death_titles)]
            order = list(dict.fromkeys(order))
        top = float(best[order[0]])
        rows = []
        keys = []
        for rank, i in enumerate(order):
            key = self.offence_keys[i]
            keys.append(key)
            rows.append(
                [
                    best[i] / top,
                    definition[i],
                    title[i],
                    whole_of[i],
                    min(conduct_raw.get(key, 0.0), 3.0),
                    min(conduct_phrases.get(key, 0.0), 3.0),
                    1.0 / (rank + 1),
                    float(key in names),
                    self._age_fit(key, ages),
                    (1.0 if death else -1.0) * float(key in self.death_titles),
                ]
            )
        result.offence_candidates = keys
        result.offence_features = np.array(rows, dtype=np.float64)

    def _age_fit(self, key: str, ages: list[int]) -> float:
        span = self.title_ages.get(key)
        if span is None:
            return 0.0
        low, high = span
        return 1.0 if any(low <= age < high for age in ages) else -1.0

    def _rerank(self, result: Retrieval, scores: np.ndarray) -> np.ndarray:
        """The candidate offences in the order of the fitted linear model, above all else."""
        assert result.offence_features is not None
        weights = np.array(self.options.rerank_weights, dtype=np.float64)
        values = result.offence_features @ weights
        top = float(scores.max())
        low = float(values.min())
        out = scores.copy()
        for key, value in zip(result.offence_candidates, values, strict=True):
            for i in self.by_article[key]:
                if scores[i] > 0:
                    out[i] = 2 * top + top * (value - low) + 1e-3 * scores[i]
        return out

    def _cited(
        self, refs: list[citations.Reference], result: Retrieval
    ) -> list[tuple[Passage, float]]:
        out: list[tuple[Passage, float]] = []
        for ref in refs:
            key = ref.key
            item = self.articles.get(key)
            if item is None or not item.has_text:
                result.missing.append(key)
                continue
            wanted = [self.passages[i] for i in self.by_article[key]]
            if ref.clause is not None:
                chosen = [p for p in wanted if p.clause == ref.clause] or wanted
                out.extend((p, 1e6) for p in chosen)
                out.extend((p, 1e5) for p in wanted if p not in chosen)
            else:
                out.extend((p, 1e6) for p in wanted)
        return out


@cache
def default_engine() -> Engine:
    """The engine of this process (built once: about a few seconds)."""
    return Engine()


def fold_question(text: str) -> str:
    return fold(text)
