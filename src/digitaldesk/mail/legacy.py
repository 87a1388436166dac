"""Vietnamese legacy 8-bit encodings still found in government mail: TCVN3 (ABC) and VNI.

Both were font encodings: the bytes are Latin-1 positions that the fonts (.VnTime for TCVN3,
VNI-Times for VNI) drew as Vietnamese letters, so a mail program declares the part as
`iso-8859-1`/`windows-1252` (or under a made-up name such as `x-vni`, `tcvn3`). Python has no
codec for either; the tables below are written from the standards:

* TCVN3 (TCVN 5712:1993, VN3, "ABC"): one byte per letter. Lower-case letters with tones are
  0xB5–0xFE; only the seven upper-case base letters Ă Â Ê Ô Ơ Ư Đ have codes (0xA1–0xA7): an
  upper-case toned letter was typed with the same code in an upper-case font (.VnTimeH), so it
  decodes as lower case (the text is right, only the capital is lost).
* VNI (VNI-Windows): the base letter followed by one mark byte (á = "a" 0xF9, ấ = "a" 0xE1,
  ắ = "a" 0xE9), except ơ 0xF4, ư 0xF6, đ 0xF1, the toned i (0xEC 0xED 0xE6 0xF3 0xF2) and ỵ 0xEE,
  which are one byte; upper-case marks are the lower-case ones minus 0x20.

`decode(data, name)` gives Unicode (NFC); `detect(data)` says whether Latin-1 text looks like one
of them (several letter/mark sequences that never occur in Western European text).
"""

from __future__ import annotations

import re
import unicodedata

TCVN3 = "tcvn3"
VNI = "vni"
NAMES = {TCVN3: "TCVN3 (ABC)", VNI: "VNI"}
ALIASES = {
    "tcvn3": TCVN3,
    "x-tcvn3": TCVN3,
    "tcvn": TCVN3,
    "x-tcvn": TCVN3,
    "tcvn-5712": TCVN3,
    "tcvn5712-1": TCVN3,
    "x-viet-tcvn5712": TCVN3,
    "abc": TCVN3,
    "vn3": TCVN3,
    "vni": VNI,
    "x-vni": VNI,
    "vni-windows": VNI,
    "x-vni-windows": VNI,
    "x-viet-vni": VNI,
}

# TCVN3: byte -> letter (TCVN 5712:1993, table VN3).
_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
_TCVN3_TABLE = {code: letter for code, letter in _TCVN3_CODES.items()}

# VNI, lower case. Tones in order: sắc, huyền, hỏi, ngã, nặng.
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_TONE_MARKS = (0xF9, 0xF8, 0xFB, 0xF5, 0xEF)  # after a e o u y ơ ư
_HAT_MARKS = (0xE2, 0xE1, 0xE0, 0xE5, 0xE3, 0xE4)  # â ê ô: none, then the five tones
_BREVE_MARKS = (0xEA, 0xE9, 0xE8, 0xFA, 0xFC, 0xEB)  # ă: none, then the five tones
_VNI_SINGLE = {0xF4: "ơ", 0xF6: "ư", 0xF1: "đ", 0xEE: "ỵ"}
_VNI_I = dict(zip((0xED, 0xEC, 0xE6, 0xF3, 0xF2), _TONES, strict=True))


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(two-character sequences, single characters) -> letter, upper and lower case, as text
    read through Latin-1."""
    pairs: dict[str, str] = {}
    singles: dict[str, str] = {}

    def add_pair(base: str, mark: int, letter: str) -> None:
        pairs[base + chr(mark)] = letter
        pairs[base.upper() + chr(mark - 0x20)] = letter.upper()

    def nfc(text: str) -> str:
        return unicodedata.normalize("NFC", text)

    for base in "aeouy":
        for mark, tone in zip(_TONE_MARKS, _TONES, strict=True):
            if base == "y" and tone == "\u0323":
                continue  # ỵ is a single byte
            add_pair(base, mark, nfc(base + tone))
    for base in "aeo":
        hat = nfc(base + "\u0302")
        add_pair(base, _HAT_MARKS[0], hat)
        for mark, tone in zip(_HAT_MARKS[1:], _TONES, strict=True):
            add_pair(base, mark, nfc(hat + tone))
    add_pair("a", _BREVE_MARKS[0], "ă")
    for mark, tone in zip(_BREVE_MARKS[1:], _TONES, strict=True):
        add_pair("a", mark, nfc("ă" + tone))
    for code, base in ((0xF4, "ơ"), (0xF6, "ư")):
        for mark, tone in zip(_TONE_MARKS, _TONES, strict=True):
            pairs[chr(code) + chr(mark)] = nfc(base + tone)
            pairs[chr(code - 0x20) + chr(mark - 0x20)] = nfc(base + tone).upper()
    for code, letter in _VNI_SINGLE.items():
        singles[chr(code)] = letter
        singles[chr(code - 0x20)] = letter.upper()
    for code, tone in _VNI_I.items():
        singles[chr(code)] = nfc("i" + tone)
        singles[chr(code - 0x20)] = nfc("I" + tone)
    return pairs, singles


_VNI_PAIRS, _VNI_SINGLES = _vni_tables()
_VNI_PATTERN = re.compile(
    "|".join(re.escape(k) for k in sorted(_VNI_PAIRS, key=len, reverse=True))
    + "|["
    + re.escape("".join(_VNI_SINGLES))
    + "]"
)


def _vni(text: str) -> str:
    return _VNI_PATTERN.sub(lambda m: _VNI_PAIRS.get(m.group(0)) or _VNI_SINGLES[m.group(0)], text)


def decode(data: bytes, encoding: str) -> str:
    """`data` in TCVN3 or VNI as Unicode text (NFC). Bytes outside the tables keep their
    Latin-1 meaning (ASCII, punctuation)."""
    latin = data.decode("latin-1")
    if encoding == TCVN3:
        text = latin.translate(_TCVN3_TABLE)
    elif encoding == VNI:
        text = _vni(latin)
    else:
        raise LookupError(encoding)
    return unicodedata.normalize("NFC", text)


def encoding_of(charset: str | None) -> str | None:
    """Our name for a declared MIME charset that is TCVN3 or VNI, else None."""
    if not charset:
        return None
    return ALIASES.get(charset.strip().strip('"').lower())


# Sequences that mark each encoding in Latin-1 text: TCVN3 letters that are punctuation or rare
# symbols in Latin-1 (§ ® µ ¶ · ¸ ¹ ¾ soft hyphen); VNI vowel + mark pairs no Western language
# writes ("aø", "eä", "oà", "öô"…).
_TCVN3_SIGNS = re.compile("[\u00a7\u00ad\u00ae\u00b5\u00b6\u00b7\u00b8\u00b9\u00bb\u00bc\u00be]")
_VNI_SIGNS = re.compile(
    "[aeoyAEOY][\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5\u00e8\u00e9\u00ea\u00eb\u00ef\u00f5\u00f8\u00f9"
    "\u00fa\u00fb\u00fc]|[\u00f4\u00f6][\u00ef\u00f5\u00f8\u00f9\u00fb]|\u00f1[aeoiu\u00f6\u00f4]"
)


def detect(data: bytes) -> str | None:
    """TCVN3 or VNI when 8-bit text that is not UTF-8 reads clearly as one of them (at least
    three signs, and three times as many as of the other), else None."""
    if not any(b >= 0x80 for b in data):
        return None
    latin = data.decode("latin-1")
    tcvn = len(_TCVN3_SIGNS.findall(latin))
    vni = len(_VNI_SIGNS.findall(latin))
    if tcvn >= 3 and tcvn >= 3 * vni:
        return TCVN3
    if vni >= 3 and vni >= 3 * tcvn:
        return VNI
    return None
