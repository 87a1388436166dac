"""Vietnamese text helpers: collation keys and diacritic folding.

Vietnamese alphabetical order is not byte order: "Đ" follows "D", "Ă" and "Â"
follow "A", and tones (không dấu, huyền, hỏi, ngã, sắc, nặng) only break ties.
`collation_key` builds an ASCII key whose plain (byte) ordering equals the
Vietnamese dictionary order, so it can be stored in a column and sorted by any
database without ICU collations.
"""

from __future__ import annotations

import re
import unicodedata

# The 29 letters of the Vietnamese alphabet in order, plus the Latin letters
# that appear in foreign names (f, j, w, z) placed where Latin puts them.
_ALPHABET = [
    "a",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "w",
    "x",
    "y",
    "z",
]
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tone marks as combining characters, in the conventional dictionary order.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Combining marks that turn a base letter into another letter of the alphabet.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def _letters(word: str) -> list[tuple[str, int]]:
    """Split a word into (letter of the alphabet, tone) pairs."""
    result: list[tuple[str, int]] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONES:
            if result:
                letter, _ = result[-1]
                result[-1] = (letter, _TONES[char])
            continue
        if unicodedata.combining(char):
            if result:
                letter, tone = result[-1]
                result[-1] = (_LETTER_MARKS.get((letter, char), letter), tone)
            continue
        result.append(("đ" if char in "đð" else char, 0))
    return result


def collation_key(text: str) -> str:
    """An ASCII key whose byte order is the Vietnamese order of `text`.

    Primary level: letters in alphabet order (two base-36 digits per letter);
    secondary level (after a separator that sorts first): the tones, so that
    "ma" < "mà" < "mả" < "mã" < "má" < "mạ" only when the letters are equal.
    """
    primary: list[str] = []
    secondary: list[str] = []
    for word in text.split():
        for letter, tone in _letters(word):
            rank = _LETTER_RANK.get(letter)
            if rank is None:
                # digits and other characters sort before letters, by code point
                # digits sort before letters in their own order; other symbols after digits
                primary.append(
                    f"0{int(letter) + 1:x}" if letter.isdecimal() and letter.isascii() else "0b"
                )
            else:
                primary.append(f"{rank + 10:02d}")
            secondary.append(str(tone))
        primary.append("00")  # word boundary sorts before any letter
    # "!" sorts before every digit, so a shorter name sorts before a longer one.
    return "".join(primary) + "!" + "".join(secondary)


def name_sort_key(family_name: str, middle_name: str, given_name: str) -> str:
    """Vietnamese name order: by given name (tên), then family name (họ), then middle name."""
    return " ".join(collation_key(part) for part in (given_name, family_name, middle_name))


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics: "Quyết định" -> "quyet dinh"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


_SPACES = re.compile(r"\s+")


def normalize_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
