"""The computed figure of a deadline question, from the deadline engine's tables (not the text).

"thời hạn điều tra ... tội đặc biệt nghiêm trọng" -> "Điều tra: không quá 4 tháng; gia hạn
tối đa 3 lần (4, 4, 4 tháng)", for the limits `law.deadlines.tables` knows (Điều 172, 173, 240,
277 BLTTHS) when the question names the category of the crime (BLHS Điều 9).
"""

from __future__ import annotations

from digitaldesk.assistant.textproc import syllables
from digitaldesk.law.categories import Category
from digitaldesk.law.deadlines import tables as t

_CATEGORIES = (  # longest first: "it nghiem trong" contains "nghiem trong"
    ("dac biet nghiem trong", Category.DAC_BIET_NGHIEM_TRONG),
    ("rat nghiem trong", Category.RAT_NGHIEM_TRONG),
    ("it nghiem trong", Category.IT_NGHIEM_TRONG),
    ("nghiem trong", Category.NGHIEM_TRONG),
)


def category_named(question: str) -> Category | None:
    folded = " " + " ".join(syllables(question)) + " "
    for words, category in _CATEGORIES:
        if f" {words} " in folded:
            return category
    return None


def _months(values: tuple[int, ...]) -> str:
    return ", ".join(str(v) for v in values) + " tháng"


def figure(article_key: str, question: str) -> str:
    """One sentence with the figures, or "" when the tables do not cover the question."""
    category = category_named(question)
    if category is None:
        return ""
    name = category.label[0].lower() + category.label[1:]
    if article_key == "BLTTHS:172":
        ext = t.INVESTIGATION_EXTENSIONS[category]
        return (
            f"Điều tra vụ án về {name}: không quá {t.INVESTIGATION[category]} tháng "
            f"(khoản 1); gia hạn tối đa {len(ext)} lần ({_months(ext)}) (khoản 2)."
        )
    if article_key == "BLTTHS:173":
        ext = t.DETENTION_EXTENSIONS[category]
        return (
            f"Tạm giam để điều tra {name}: không quá {t.DETENTION[category]} tháng "
            f"(khoản 1); gia hạn tối đa {len(ext)} lần ({_months(ext)}) (khoản 2)."
        )
    if article_key == "BLTTHS:240":
        return (
            f"Quyết định việc truy tố ({name}): {t.PROSECUTION_DAYS[category]} ngày, gia hạn "
            f"không quá {t.PROSECUTION_EXTENSION_DAYS[category]} ngày (khoản 1)."
        )
    if article_key == "BLTTHS:277":
        months, days = t.TRIAL_PREPARATION[category]
        span = f"{months} tháng" if months else f"{days} ngày"
        return (
            f"Chuẩn bị xét xử sơ thẩm ({name}): {span}, gia hạn không quá "
            f"{t.TRIAL_PREPARATION_EXTENSION_DAYS[category]} ngày (khoản 1)."
        )
    return ""
