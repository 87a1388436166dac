"""Diacritic restoration trained on the Codes' own text.

A question typed without diacritics ("thoi han tam giam") is given back its most likely accented
form ("thời hạn tạm giam") by a bigram model of the syllables of BLHS and BLTTHS: for each folded
syllable the accented forms seen in the Codes are the candidates, and the Viterbi path maximises
the sum of log P(syllable | previous syllable) with add-one smoothing backed off to unigrams. A
syllable the Codes never use is kept as typed.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from digitaldesk.law.code import fold

_WORD = re.compile(r"\w+", re.UNICODE)


class Restorer:
    def __init__(self, texts: Iterable[str]) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for text in texts:
            words = [w.lower() for w in _WORD.findall(text)]
            self.unigrams.update(words)
            self.bigrams.update(zip(words, words[1:], strict=False))
            for word in words:
                forms[fold(word)][word] += 1
        # The five most frequent accented forms of each folded syllable.
        self.candidates = {k: [w for w, _ in v.most_common(5)] for k, v in forms.items()}
        self.total = sum(self.unigrams.values())
        self.vocabulary = len(self.unigrams) + 1

    def _log_unigram(self, word: str) -> float:
        return math.log((self.unigrams[word] + 1) / (self.total + self.vocabulary))

    def _log_bigram(self, prev: str, word: str) -> float:
        pair = self.bigrams[(prev, word)]
        if pair:
            return math.log(pair / (self.unigrams[prev] + 1))
        return math.log(0.05) + self._log_unigram(word)

    def restore_words(self, words: list[str]) -> list[str]:
        """The accented form of each (lower-case, folded) word."""
        if not words:
            return []
        lattice = [self.candidates.get(w, [w]) for w in words]
        scores = {c: self._log_unigram(c) for c in lattice[0]}
        back: list[dict[str, str]] = []
        for column in lattice[1:]:
            new_scores: dict[str, float] = {}
            pointers: dict[str, str] = {}
            for cand in column:
                best_prev, best = max(
                    ((p, s + self._log_bigram(p, cand)) for p, s in scores.items()),
                    key=lambda item: item[1],
                )
                new_scores[cand], pointers[cand] = best, best_prev
            scores = new_scores
            back.append(pointers)
        last = max(scores, key=lambda c: scores[c])
        path = [last]
        for pointers in reversed(back):
            path.append(pointers[path[-1]])
        return list(reversed(path))

    def restore(self, text: str) -> str:
        """`text` with every word that has no diacritics replaced by its most likely form."""
        words = _WORD.findall(text)
        folded = [w.lower() for w in words]
        restored = self.restore_words(folded)
        out = text
        # Replace word by word, left to right, keeping what lies between words.
        pieces: list[str] = []
        pos = 0
        for match, word, new in zip(_WORD.finditer(text), words, restored, strict=True):
            pieces.append(out[pos : match.start()])
            keep = fold(word) != word.lower()  # already accented: trust the writer
            pieces.append(word if keep else new)
            pos = match.end()
        pieces.append(out[pos:])
        return "".join(pieces)
