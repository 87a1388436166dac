"""Crime categories (phân loại tội phạm) — BLHS 2015 Điều 9, as amended by Luật 12/2017/QH14.

The category follows the MAXIMUM of the penalty bracket (khung hình phạt) of the
clause (khoản) charged, not the whole article (DOMAIN.md §3.1):

    ít nghiêm trọng         fine, non-custodial reform, or prison up to 3 years   (Điều 9.1.a)
    nghiêm trọng            over 3 up to 7 years                                  (Điều 9.1.b)
    rất nghiêm trọng        over 7 up to 15 years                                 (Điều 9.1.c)
    đặc biệt nghiêm trọng   over 15 up to 20 years, life imprisonment or death    (Điều 9.1.d)

Crimes of a commercial legal entity are classified by the corresponding clause for
natural persons (Điều 9.2): a legal-entity point that refers to "khoản N Điều này"
takes the category of khoản N.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from digitaldesk.law import LegalRuleError
from digitaldesk.law.citation import Citation, blhs
from digitaldesk.law.code import Article, ClauseKind, Penalty, article, no_text_message


class Category(StrEnum):
    IT_NGHIEM_TRONG = "it_nghiem_trong"
    NGHIEM_TRONG = "nghiem_trong"
    RAT_NGHIEM_TRONG = "rat_nghiem_trong"
    DAC_BIET_NGHIEM_TRONG = "dac_biet_nghiem_trong"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def abbreviation(self) -> str:
        return _ABBREVIATIONS[self]

    @property
    def rank(self) -> int:
        """0 (ít nghiêm trọng) to 3 (đặc biệt nghiêm trọng): compare seriousness."""
        return _RANKS[self]

    @property
    def citation(self) -> Citation:
        """BLHS Điều 9 khoản 1, the point defining this category."""
        return _CITATIONS[self]

    @property
    def basis(self) -> str:
        """The formal text, e.g. "BLHS 2015, Điều 9, khoản 1, điểm d"."""
        return _CITATIONS[self].text

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(item.value, item.label) for item in cls]


_LABELS = {
    Category.IT_NGHIEM_TRONG: "Tội phạm ít nghiêm trọng",
    Category.NGHIEM_TRONG: "Tội phạm nghiêm trọng",
    Category.RAT_NGHIEM_TRONG: "Tội phạm rất nghiêm trọng",
    Category.DAC_BIET_NGHIEM_TRONG: "Tội phạm đặc biệt nghiêm trọng",
}
_ABBREVIATIONS = {
    Category.IT_NGHIEM_TRONG: "ÍNT",
    Category.NGHIEM_TRONG: "NT",
    Category.RAT_NGHIEM_TRONG: "RNT",
    Category.DAC_BIET_NGHIEM_TRONG: "ĐBNT",
}
_RANKS = {category: index for index, category in enumerate(Category)}
_CITATIONS = {
    Category.IT_NGHIEM_TRONG: blhs("9", 1, "a"),
    Category.NGHIEM_TRONG: blhs("9", 1, "b"),
    Category.RAT_NGHIEM_TRONG: blhs("9", 1, "c"),
    Category.DAC_BIET_NGHIEM_TRONG: blhs("9", 1, "d"),
}
# BLHS Điều 9 khoản 2: a commercial legal entity's crime is classified like the natural person's.
LEGAL_ENTITY_RULE = blhs("9", 2)


def category_for_penalty(penalty: Penalty) -> Category:
    """BLHS Điều 9 khoản 1: the category from the maximum of one bracket."""
    if penalty.death or penalty.life:
        return Category.DAC_BIET_NGHIEM_TRONG  # Điều 9.1.d
    top = penalty.prison_max_months
    if top is None or top <= 3 * 12:
        return Category.IT_NGHIEM_TRONG  # Điều 9.1.a: fine, non-custodial reform, prison ≤ 3 years
    if top <= 7 * 12:
        return Category.NGHIEM_TRONG  # Điều 9.1.b
    if top <= 15 * 12:
        return Category.RAT_NGHIEM_TRONG  # Điều 9.1.c
    return Category.DAC_BIET_NGHIEM_TRONG  # Điều 9.1.d: over 15 up to 20 years


_REFERRED_CLAUSE = re.compile(r"khoản (\d+) Điều này")


@dataclass(frozen=True, slots=True)
class Classification:
    category: Category
    penalty: Penalty
    article: Article
    clause_number: int

    @property
    def citation(self) -> Citation:
        """The bracket charged: "Điều 174 khoản 4 BLHS" (no clause for a one-paragraph article)."""
        return blhs(self.article.label, self.clause_number or None)

    @property
    def explanation(self) -> str:
        """E.g. "Điều 174 khoản 4 BLHS: mức cao nhất của khung hình phạt là tù chung thân
        → Tội phạm đặc biệt nghiêm trọng (BLHS 2015, Điều 9, khoản 1, điểm d)"."""
        return (
            f"{self.citation.short()}: mức cao nhất của khung hình phạt là "
            f"{self.penalty.maximum_label} "
            f"→ {self.category.label} ({self.category.basis})"
        )


def classify(
    article_label: str | int, clause_number: int | None, point: str | None = None
) -> Classification:
    """The category of the bracket charged, with the penalty it was read from.

    Raises LegalRuleError (Vietnamese message naming the rule) for an article or clause
    that does not exist, has no text (Điều 352), was repealed (Điều 292), is not a
    crime (Phần thứ nhất), or holds no penalty bracket (e.g. an additional-penalty clause).
    """
    art = article(article_label)
    if not art.has_text:
        raise LegalRuleError(
            no_text_message(art) + " Không thể xác định loại tội phạm theo Điều 9 BLHS."
        )
    if not art.is_crime:
        raise LegalRuleError(
            f"Điều {art.label} BLHS ({art.title}) không quy định một tội phạm cụ thể: loại "
            "tội phạm theo Điều 9 BLHS được xác định theo khung hình phạt của điều luật về "
            "tội danh (Phần thứ hai)."
        )
    item = art.clause(clause_number)
    if item.kind is ClauseKind.LEGAL_ENTITY:
        # BLHS Điều 9 khoản 2: a legal entity's crime is classified like the natural person's
        # clause.
        if point is None:
            raise LegalRuleError(
                f"Khoản {item.number} Điều {art.label} BLHS quy định hình phạt đối với pháp "
                "nhân thương mại: cần ghi rõ điểm, loại tội phạm xác định theo khoản tương "
                f"ứng ({LEGAL_ENTITY_RULE})."
            )
        referred = _REFERRED_CLAUSE.search(item.point(point).text)
        if referred is None:
            raise LegalRuleError(
                f"Điểm {point} khoản {item.number} Điều {art.label} BLHS không dẫn chiếu "
                f"khoản nào của điều luật ({LEGAL_ENTITY_RULE}): cần xác định loại tội phạm "
                "thủ công."
            )
        return classify(art.label, int(referred.group(1)))
    if item.penalty is None:
        where = f"Khoản {item.number} Điều {art.label}" if item.number else f"Điều {art.label}"
        what = (
            "quy định hình phạt bổ sung, không phải khung hình phạt chính"
            if item.kind is ClauseKind.ADDITIONAL
            else "không quy định khung hình phạt chính"
        )
        raise LegalRuleError(
            f"{where} BLHS {what}: loại tội phạm theo Điều 9 BLHS được xác định theo khoản "
            "quy định khung hình phạt bị áp dụng."
        )
    return Classification(category_for_penalty(item.penalty), item.penalty, art, item.number)


def category_for(
    article_label: str | int, clause_number: int | None, point: str | None = None
) -> Category:
    """BLHS Điều 9: the category of the bracket `article_label` khoản `clause_number`.

    `clause_number` is None for an article written as one paragraph (e.g. Điều 181);
    `point` only matters for a legal entity's clause (Điều 9 khoản 2).
    """
    return classify(article_label, clause_number, point).category


def most_serious(categories: Iterable[Category]) -> Category:
    """The most serious category of several charges (joined cases follow it —
    TTLT 04/2018 Điều 14, DOMAIN.md §3.1)."""
    items = list(categories)
    if not items:
        raise LegalRuleError("Chưa có tội danh nào để xác định loại tội phạm.")
    return max(items, key=lambda c: c.rank)


# BLHS Chương XIII "Các tội xâm phạm an ninh quốc gia" — Điều 108 to 121.
_NATIONAL_SECURITY_CHAPTER = "Chương XIII - CÁC TỘI XÂM PHẠM AN NINH QUỐC GIA"


def is_national_security(article_label: str | int) -> bool:
    """True for the crimes of BLHS Chương XIII (Điều 108–121): national-security
    crimes have their own extensions (BLTTHS Điều 172 khoản 3, Điều 173 khoản 5)."""
    art = article(article_label)
    return art.is_crime and art.chapter == _NATIONAL_SECURITY_CHAPTER
