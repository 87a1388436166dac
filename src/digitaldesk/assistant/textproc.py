"""Text processing of the assistant: folding, syllable tokens, abbreviations and synonyms.

Pure Python (no Django): the retrieval engine and the benchmark (`benchmarks/assistant/`) use it.
Tokens are folded syllables (`law.code.fold`: lower case, no diacritics, "đ" -> "d") and the
pairs of adjacent syllables ("tam_giam"), so that an unaccented question and an accented one give
the same tokens and a two-syllable word (most Vietnamese words) counts as one unit.
"""

from __future__ import annotations

import re

from digitaldesk.law.code import fold

_SYLLABLE = re.compile(r"[a-z0-9]+")
_ACCENTED_WORD = re.compile(r"\w+", re.UNICODE)

# Abbreviations officials write, expanded before tokenising (folded keys, whole words).
ABBREVIATIONS: dict[str, str] = {
    "blhs": "bộ luật hình sự",
    "bltths": "bộ luật tố tụng hình sự",
    "bltt": "bộ luật tố tụng hình sự",
    "vks": "viện kiểm sát",
    "vksnd": "viện kiểm sát nhân dân",
    "cqdt": "cơ quan điều tra",
    "ksv": "kiểm sát viên",
    "dtv": "điều tra viên",
    "tand": "tòa án nhân dân",
    "hdxx": "hội đồng xét xử",
    "tnhs": "trách nhiệm hình sự",
    "bpnc": "biện pháp ngăn chặn",
    "vu an": "vụ án",
}

# Everyday words -> the Codes' words (folded keys; the value is added to the question, the
# original words stay). Written from the Codes' vocabulary, not from benchmark questions.
SYNONYMS: dict[str, str] = {
    "giam giu": "tạm giam tạm giữ",
    "luat su": "người bào chữa",
    "nghi pham": "người bị buộc tội",
    "doi tuong": "người bị buộc tội",
    "kham nha": "khám xét chỗ ở",
    "an treo": "án treo",
    "an trom": "trộm cắp",
    "lay trom": "trộm cắp",
    "trom": "trộm cắp tài sản",
    "giat": "cướp giật",
    "lua": "lừa đảo chiếm đoạt",
    "danh bai": "đánh bạc",
    "ca do": "đánh bạc",
    "xoc dia": "đánh bạc",
    "lo de": "đánh bạc",
    "danh nguoi": "cố ý gây thương tích",
    "dam": "cố ý gây thương tích",
    "chem": "cố ý gây thương tích",
    "ty le ton thuong": "cố ý gây thương tích tổn thương cơ thể",
    "thuong tat": "thương tích tổn thương cơ thể",
    "ma tuy da": "ma túy methamphetamine",
    "con nghien": "ma túy",
    "lai xe": "điều khiển phương tiện giao thông đường bộ",
    "tai nan": "tham gia giao thông đường bộ",
    "nong do con": "rượu bia nồng độ cồn giao thông",
    "lai nang": "cho vay lãi nặng",
    "nang lai": "cho vay lãi nặng",
    "lai suat": "cho vay lãi nặng lãi suất",
    "dua tien": "đưa hối lộ",
    "tham o": "tham ô tài sản",
    "hoi lo": "hối lộ",
    "cong an": "người thi hành công vụ",
    "canh sat": "người thi hành công vụ",
    "thu quy": "tham ô chức vụ quản lý",
    "hoa don": "hóa đơn chứng từ",
    "gay roi": "gây rối trật tự công cộng",
    "tu vong": "chết",
    "bo tron": "bỏ trốn trốn truy nã",
    "ghi am": "ghi âm ghi hình",
    "ban dem": "ban đêm",
    "nhan mat": "nhận dạng",
    "doi mat": "đối chất",
    "mo tu thi": "khám nghiệm tử thi",
    "nghe len": "biện pháp điều tra tố tụng đặc biệt nghe điện thoại",
    "tam dung": "tạm đình chỉ",
    "huy quyet dinh": "hủy bỏ quyết định",
    "so tham": "sơ thẩm",
    "bao lau": "thời hạn",
    "may ngay": "thời hạn ngày",
    "bao nhieu ngay": "thời hạn ngày",
    "gia han": "gia hạn",
    "nguoi chua thanh nien": "người dưới 18 tuổi",
    "tre em": "người dưới 16 tuổi",
    "say ruou": "dùng rượu bia",
    "tam than": "bệnh tâm thần năng lực trách nhiệm hình sự",
    "tu ve": "phòng vệ chính đáng",
    "xuat canh": "tạm hoãn xuất cảnh",
    "roi khoi noi cu tru": "cấm đi khỏi nơi cư trú",
    "tien bao dam": "đặt tiền để bảo đảm",
    "dien thoai": "điện thoại phương tiện điện tử",
    "may tinh": "mạng máy tính phương tiện điện tử",
    "sam so": "dâm ô",
    "so soang": "dâm ô",
    "nhot": "giữ hoặc giam người trái pháp luật",
    "doi no": "giữ người trái pháp luật",
    "dap pha": "hủy hoại cố ý làm hư hỏng tài sản",
    "lam vo": "mua bán người",
    "ban dam": "mại dâm",
    "mua dam": "mại dâm",
    "nhap lau": "buôn lậu hàng cấm",
    "thuoc la": "hàng cấm thuốc lá",
    "hang gia": "hàng giả",
    "cat soi": "khai thác tài nguyên",
    "chat pha rung": "hủy hoại rừng",
    "xa thai": "ô nhiễm môi trường chất thải",
    "nuoc thai": "ô nhiễm môi trường chất thải",
    "sung": "vũ khí quân dụng",
    "bia dat": "vu khống",
    "danh dap": "hành hạ ngược đãi",
    "vo chong": "chế độ một vợ một chồng",
    "chi dinh thau": "đấu thầu",
    "dua xe": "đua xe trái phép",
    "phau thuat": "khám bệnh chữa bệnh",
    "benh nhan": "khám bệnh chữa bệnh",
    "link": "mạng máy tính mạng viễn thông",
    "tai khoan ngan hang": "mạng máy tính mạng viễn thông chiếm đoạt tài sản",
    "ep khai": "bức cung",
    "thoi hieu": "thời hiệu",
    "ai duoc": "người có quyền",
    "ai co quyen": "người có quyền",
    "nhung ai": "những người",
    "tham quyen": "thẩm quyền",
}

_FOLDED_ABBR = {fold(k): v for k, v in ABBREVIATIONS.items()}
_FOLDED_SYN = {fold(k): v for k, v in SYNONYMS.items()}
_MAX_KEY = max(len(k.split()) for k in (*_FOLDED_ABBR, *_FOLDED_SYN))


def syllables(text: str) -> list[str]:
    """The folded syllables of `text` ("Điều 217a" -> ["dieu", "217a"])."""
    return _SYLLABLE.findall(fold(text))


def tokens(text: str) -> list[str]:
    """Folded syllables and adjacent pairs: the terms of the BM25 index."""
    sy = syllables(text)
    return sy + [f"{a}_{b}" for a, b in zip(sy, sy[1:], strict=False)]


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


def expand(text: str, *, synonyms: bool = True) -> str:
    """`text` with abbreviations replaced and synonyms appended (longest phrase first)."""
    words = syllables(text)
    out: list[str] = []
    extra: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_MAX_KEY, len(words) - i), 0, -1):
            key = " ".join(words[i : i + size])
            if key in _FOLDED_ABBR:
                out.append(_FOLDED_ABBR[key])
                i += size
                break
            if synonyms and key in _FOLDED_SYN:
                extra.append(_FOLDED_SYN[key])
        else:
            out.append(words[i])
            i += 1
            continue
    return " ".join(out + extra)


# Folded syllables too common to highlight or to search for (a question's function words).
FUNCTION_WORDS = frozenset(
    {
        "la",
        "gi",
        "cua",
        "va",
        "thi",
        "co",
        "khong",
        "duoc",
        "nhung",
        "cac",
        "mot",
        "trong",
        "theo",
        "khi",
        "de",
        "ve",
        "bi",
        "nao",
        "bao",
        "nhieu",
        "lau",
        "may",
        "ai",
        "the",
        "hoac",
        "tu",
        "den",
        "voi",
        "cho",
        "o",
        "da",
        "se",
        "do",
        "nay",
    }
)
