"""Parsing what a user types into the search box, and highlighting the hits.

Both sides of the index see folded text (`core.text.fold`: lower case, no
Vietnamese diacritics, "đ" -> "d"), so "quyet dinh" finds "Quyết định" and the
other way round. A query is a list of words, all required, and of phrases in
double quotes ("khởi tố bị can"), whose words must be adjacent and in order.
A word written with a leading minus (-tạm) excludes the items containing it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from html import escape

from django.utils.safestring import SafeString, mark_safe

from digitaldesk.core.text import fold

# tantivy's default tokenizer keeps runs of alphanumeric characters (no "_").
_TOKEN = re.compile(r"[^\W_]+")
_MAX_TOKEN_LEN = 40  # tantivy's default RemoveLongFilter drops longer tokens
_QUOTED = re.compile(r'(-?)"([^"]*)"?')


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return _hit_pattern(self)

    def highlight_words(self) -> list[str]:
        """Every folded word worth marking on a page (terms and phrase words)."""
        words = list(self.terms)
        for phrase in self.phrases:
            words.extend(phrase)
        return list(dict.fromkeys(words))


def tokens(text: str) -> list[str]:
    """The tokens the index stores for `text` (folded, as tantivy splits them)."""
    return [t for t in _TOKEN.findall(search_fold(text)) if len(t) <= _MAX_TOKEN_LEN]


def parse(query: str) -> ParsedQuery:
    parsed = ParsedQuery()
    rest_parts: list[str] = []
    last = 0
    for match in _QUOTED.finditer(query):
        rest_parts.append(query[last : match.start()])
        last = match.end()
        words = tokens(match.group(2))
        if not words:
            continue
        if match.group(1):
            parsed.excluded.extend(words)
        elif len(words) == 1:
            parsed.terms.append(words[0])
        else:
            parsed.phrases.append(words)
    rest_parts.append(query[last:])
    for chunk in " ".join(rest_parts).split():
        words = tokens(chunk)
        if chunk.startswith("-") and len(chunk) > 1:
            parsed.excluded.extend(words)
        else:
            parsed.terms.extend(words)
    parsed.terms = list(dict.fromkeys(parsed.terms))
    return parsed


def _one_char_fold_table() -> dict[int, str]:
    """Every Latin letter with diacritics (incl. all Vietnamese ones) -> its folded letter."""
    table: dict[int, str] = {}
    ranges = [(0x41, 0x5A), (0xC0, 0x24F), (0x1E00, 0x1EFF)]
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            char = chr(code)
            folded = fold(char)
            if len(folded) == 1 and folded != char:
                table[code] = folded
    return table


_FOLD_ONE = _one_char_fold_table()


def search_fold(text: str) -> str:
    """`core.text.fold` at C speed, for the index and the queries alike (the same
    letters: lower case, Vietnamese diacritics removed, "đ" -> "d")."""
    return fold_same_length(text)


def fold_same_length(text: str) -> str:
    """Fold `text` character by character, so index i of the result is index i of `text`
    (used to find hits in folded text and mark them in the original)."""
    return unicodedata.normalize("NFC", text).translate(_FOLD_ONE).lower()


def _hit_pattern(parsed: ParsedQuery) -> re.Pattern[str] | None:
    """One regular expression for every term and phrase, on whole tokens only."""
    alternatives = [re.escape(t) for t in sorted(set(parsed.terms), key=len, reverse=True)]
    alternatives += [r"[\W_]+".join(re.escape(w) for w in phrase) for phrase in parsed.phrases]
    if not alternatives:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def find_spans(text: str, parsed: ParsedQuery) -> list[tuple[int, int]]:
    """Character spans of `text` (NFC) that match a query term or a whole phrase."""
    pattern = parsed.pattern
    if pattern is None:
        return []
    folded = fold_same_length(text)
    spans = [(m.start(), m.end()) for m in pattern.finditer(folded)]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, parsed: ParsedQuery) -> SafeString:
    """The whole text, escaped, with every hit wrapped in <mark>."""
    text = unicodedata.normalize("NFC", text)
    return _marked(text, find_spans(text, parsed), 0, len(text))


def snippet(text: str, parsed: ParsedQuery, *, width: int = 240) -> SafeString:
    """A window of about `width` characters around the densest group of hits."""
    text = unicodedata.normalize("NFC", text)
    spans = find_spans(text, parsed)
    if not spans:
        end = min(len(text), width)
        return mark_safe(escape(text[:end]) + ("…" if end < len(text) else ""))  # noqa: S308
    # Slide over the hits: pick the one whose window holds the most hits.
    best_start, best_count = spans[0][0], 0
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + width:
            j += 1
        if j - i > best_count:
            best_start, best_count = start, j - i
    lo = max(0, best_start - width // 4)
    # Start at a word boundary.
    while lo > 0 and not text[lo - 1].isspace() and best_start - lo < width // 2:
        lo -= 1
    hi = min(len(text), lo + width)
    while hi < len(text) and not text[hi].isspace() and hi - lo < width + 30:
        hi += 1
    inner = [(s, e) for s, e in spans if s >= lo and e <= hi]
    html = _marked(text, inner, lo, hi)
    return mark_safe(("…" if lo > 0 else "") + html + ("…" if hi < len(text) else ""))  # noqa: S308


def _marked(text: str, spans: list[tuple[int, int]], lo: int, hi: int) -> SafeString:
    parts = []
    pos = lo
    for start, end in spans:
        parts.append(escape(text[pos:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    parts.append(escape(text[pos:hi]))
    return mark_safe("".join(parts))  # noqa: S308
