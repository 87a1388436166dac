"""Sensitivity check: does a "Thường" document look like it holds state secrets?

The desk must never hold documents marked Mật, Tối mật or Tuyệt mật: Luật Bảo vệ
bí mật nhà nước 29/2018/QH14, Điều 5 khoản 5 forbids drafting or storing secrets on a
networked computer (DOMAIN.md §2.2). A document the clerk declares "Thường" is
scanned for the marks and the kinds of content that DOMAIN.md lists; any hit
must be confirmed explicitly (and the confirmation is audited) before upload.
This is a warning aid, not a classifier: it flags, a person decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digitaldesk.core.text import fold


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str
    excerpt: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason, "excerpt": self.excerpt}


# Secrecy stamps (TT 24/2020/TT-BCA, Mẫu 02 and 03): an upper-case "MẬT", "TỐI MẬT",
# "TUYỆT MẬT" standing alone on a line, or the envelope letters A/B/C are not text.
_STAMP = re.compile(r"^\s*(TUYỆT MẬT|TỐI MẬT|MẬT)\s*$", re.MULTILINE)
_LEVEL_LINE = re.compile(r"độ\s+mật\s*:\s*(mật|tối mật|tuyệt mật)", re.IGNORECASE)

# Other marks of TT 24/2020/TT-BCA Điều 2 (Mẫu 07) and NĐ 30/2020 Điều 8 khoản 3.
_MARKERS: list[tuple[str, str, str]] = [
    (
        "xem_xong_tra_lai",
        "xem xong tra lai",
        "Có dấu “XEM XONG TRẢ LẠI” (NĐ 30/2020, Điều 8, khoản 3).",
    ),
    (
        "chi_nguoi_co_ten",
        "chi nguoi co ten moi duoc boc bi",
        "Có dấu “Chỉ người có tên mới được bóc bì” (TT 24/2020/TT-BCA, Mẫu 07).",
    ),
    (
        "tai_lieu_thu_hoi",
        "tai lieu thu hoi",
        "Có dấu “Tài liệu thu hồi” (TT 24/2020/TT-BCA, Mẫu 07).",
    ),
    ("bi_mat_nha_nuoc", "bi mat nha nuoc", "Văn bản nhắc đến “bí mật nhà nước”."),
    (
        "thoi_han_bao_ve",
        "thoi han bao ve bi mat",
        "Có dấu thời hạn bảo vệ bí mật (TT 24/2020/TT-BCA, Mẫu 04).",
    ),
]

# Kinds of content listed as Tối mật / Mật for the procuracy by QĐ 1180/QĐ-TTg (DOMAIN.md §2.3 [S]):
# exchanges and plans on cases of national security, especially serious public-order crimes,
# serious corruption; Ủy ban kiểm sát meetings on them; force deployment plans; opinions on
# cassation or reopening requests. A hit needs a topic AND a kind of document.
_TOPICS: list[tuple[str, str]] = [
    ("an ninh quoc gia", "vụ án xâm phạm an ninh quốc gia"),
    ("tham nhung", "vụ án tham nhũng, chức vụ"),
    ("dac biet nghiem trong", "tội phạm đặc biệt nghiêm trọng"),
    ("du luan xa hoi dac biet quan tam", "vụ án dư luận xã hội đặc biệt quan tâm"),
    ("giam doc tham", "đề nghị giám đốc thẩm"),
    ("tai tham", "đề nghị tái thẩm"),
]
_KINDS: list[tuple[str, str]] = [
    ("xin y kien", "xin ý kiến chỉ đạo"),
    ("phuong an xu ly", "phương án xử lý"),
    ("huong xu ly", "hướng xử lý vụ án"),
    ("uy ban kiem sat", "tài liệu họp Ủy ban kiểm sát"),
    ("trien khai luc luong", "kế hoạch triển khai lực lượng"),
    ("quan diem giai quyet", "quan điểm giải quyết"),
]


def _excerpt(folded: str, original: str, start: int, length: int) -> str:
    # `fold` keeps string length for Vietnamese text, so positions map back to the original.
    if len(folded) != len(original):
        return ""
    return " ".join(original[max(0, start - 40) : start + length + 40].split())


def check_text(text: str) -> list[Flag]:
    """Return the reasons why `text` may contain state secrets (empty: nothing found)."""
    flags: list[Flag] = []
    if not text.strip():
        return flags
    stamp = _STAMP.search(text)
    if stamp:
        flags.append(
            Flag(
                "dau_mat",
                f"Có dấu chỉ độ mật “{stamp.group(1)}” (TT 24/2020/TT-BCA, Mẫu 02).",
                stamp.group(1),
            )
        )
    level = _LEVEL_LINE.search(text)
    if level:
        flags.append(Flag("do_mat", "Văn bản ghi rõ độ mật.", " ".join(level.group(0).split())))
    folded = fold(text)
    flat = " ".join(folded.split())
    flat_original = " ".join(text.split())
    for code, needle, reason in _MARKERS:
        index = flat.find(needle)
        if index >= 0:
            flags.append(Flag(code, reason, _excerpt(flat, flat_original, index, len(needle))))
    topics = [(needle, label) for needle, label in _TOPICS if needle in flat]
    kinds = [(needle, label) for needle, label in _KINDS if needle in flat]
    if topics and kinds:
        index = flat.find(kinds[0][0])
        flags.append(
            Flag(
                "noi_dung_1180",
                "Nội dung có thể thuộc danh mục bí mật nhà nước của ngành Kiểm sát (QĐ "
                f"1180/QĐ-TTg): {kinds[0][1]} về {topics[0][1]}.",
                _excerpt(flat, flat_original, index, len(kinds[0][0])),
            )
        )
    return flags
