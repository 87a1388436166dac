"""BLHS Điều 9: the crime category follows the maximum of the bracket charged."""

from __future__ import annotations

import pytest

from digitaldesk.law import LegalRuleError, code
from digitaldesk.law.categories import (
    Category,
    category_for,
    category_for_penalty,
    classify,
    is_national_security,
    most_serious,
)

IT, NT, RNT, DBNT = (
    Category.IT_NGHIEM_TRONG,
    Category.NGHIEM_TRONG,
    Category.RAT_NGHIEM_TRONG,
    Category.DAC_BIET_NGHIEM_TRONG,
)


@pytest.mark.parametrize(
    ("label", "clause", "expected"),
    [
        # Giết người: 12–20 năm/chung thân/tử hình; 7–15 năm; chuẩn bị 1–5 năm.
        ("123", 1, DBNT),
        ("123", 2, RNT),
        ("123", 3, NT),
        # Cố ý gây thương tích: khoản 1 đến 03 năm ... khoản 6 chuẩn bị.
        ("134", 1, IT),
        ("134", 2, NT),
        ("134", 3, RNT),
        ("134", 4, RNT),
        ("134", 5, DBNT),
        # Hiếp dâm.
        ("141", 1, NT),
        ("141", 2, RNT),
        ("141", 3, DBNT),
        # Cướp tài sản: khoản 1 từ 03 đến 10 năm is already RNT.
        ("168", 1, RNT),
        ("168", 2, RNT),
        ("168", 3, DBNT),
        ("168", 4, DBNT),
        # Trộm cắp tài sản.
        ("173", 1, IT),
        ("173", 2, NT),
        ("173", 3, RNT),
        ("173", 4, DBNT),
        # Lừa đảo chiếm đoạt tài sản.
        ("174", 1, IT),
        ("174", 2, NT),
        ("174", 3, RNT),
        ("174", 4, DBNT),
        # Lạm dụng tín nhiệm chiếm đoạt tài sản.
        ("175", 1, IT),
        ("175", 4, DBNT),
        # Vi phạm quy định về cạnh tranh / đa cấp (217a shares number 217).
        ("217", 1, IT),
        ("217", 2, NT),
        ("217a", 1, IT),
        ("217a", 2, NT),
        # Ma túy: tàng trữ, mua bán.
        ("249", 1, NT),
        ("249", 4, DBNT),
        ("251", 1, NT),
        ("251", 2, RNT),
        ("251", 3, DBNT),
        ("251", 4, DBNT),
        # Vi phạm quy định về tham gia giao thông đường bộ.
        ("260", 1, NT),
        ("260", 2, RNT),
        ("260", 3, RNT),
        ("260", 4, IT),
        # Đánh bạc; tổ chức đánh bạc.
        ("321", 1, IT),
        ("321", 2, NT),
        ("322", 1, NT),
        ("322", 2, RNT),
        # Tham ô; nhận hối lộ; đưa hối lộ.
        ("353", 1, NT),
        ("353", 2, RNT),
        ("353", 3, DBNT),
        ("353", 4, DBNT),
        ("354", 1, NT),
        ("354", 4, DBNT),
        ("364", 1, IT),
        ("364", 4, DBNT),
        # An ninh quốc gia.
        ("108", 1, DBNT),
        ("108", 2, RNT),
        ("108", 3, NT),
        ("109", 1, DBNT),
        ("109", 2, RNT),
        ("117", 1, RNT),
        # Articles written as one paragraph (no khoản).
        ("181", None, IT),
        ("339", None, IT),
        ("351", None, IT),
        ("420", None, IT),
    ],
)
def test_category_table(label, clause, expected):
    assert category_for(label, clause) is expected


def test_thresholds_of_article_9_are_inclusive_at_the_top():
    """ "đến 03 năm" is ÍNT, "trên 03 năm" NT; 7 → NT, 15 → RNT, over 15 → ĐBNT."""
    make = code.Penalty
    assert category_for_penalty(make(text="", prison_min_months=6, prison_max_months=36)) is IT
    assert category_for_penalty(make(text="", prison_min_months=6, prison_max_months=37)) is NT
    assert category_for_penalty(make(text="", prison_min_months=24, prison_max_months=84)) is NT
    assert category_for_penalty(make(text="", prison_min_months=24, prison_max_months=85)) is RNT
    assert category_for_penalty(make(text="", prison_min_months=84, prison_max_months=180)) is RNT
    assert category_for_penalty(make(text="", prison_min_months=84, prison_max_months=181)) is DBNT
    assert category_for_penalty(make(text="", fine=True)) is IT
    assert category_for_penalty(make(text="", non_custodial=True)) is IT
    assert (
        category_for_penalty(make(text="", prison_min_months=144, prison_max_months=240, life=True))
        is DBNT
    )


def test_every_bracket_of_the_code_gets_a_category():
    counts = {category: 0 for category in Category}
    for article in code.articles():
        if not article.is_crime:
            continue
        for item in article.clauses:
            if item.penalty is not None:
                counts[category_for(article.label, item.number or None)] += 1
    assert all(count > 50 for count in counts.values()), counts


def test_labels_and_abbreviations():
    assert [c.abbreviation for c in Category] == ["ÍNT", "NT", "RNT", "ĐBNT"]
    assert DBNT.label == "Tội phạm đặc biệt nghiêm trọng"
    assert NT.value == "nghiem_trong"
    assert DBNT.basis == "BLHS 2015, Điều 9, khoản 1, điểm d"
    assert Category.choices()[0] == ("it_nghiem_trong", "Tội phạm ít nghiêm trọng")
    assert most_serious([NT, DBNT, IT]) is DBNT


def test_explanation_names_the_bracket_and_the_rule():
    text = classify("174", 4).explanation
    assert text == (
        "Điều 174 khoản 4 BLHS: mức cao nhất của khung hình phạt là tù chung thân → "
        "Tội phạm đặc biệt nghiêm trọng (BLHS 2015, Điều 9, khoản 1, điểm d)"
    )


def test_legal_entity_points_follow_the_clause_they_refer_to():
    # Điều 217 khoản 4 điểm b: "Phạm tội thuộc trường hợp quy định tại khoản 2 Điều này" (Điều 9
    # khoản 2).
    assert category_for("217", 4, "b") is NT
    assert category_for("217", 4, "a") is IT
    with pytest.raises(LegalRuleError, match="Điều 9, khoản 2"):
        category_for("217", 4)


@pytest.mark.parametrize(
    ("label", "clause", "message"),
    [
        ("352", 1, "Điều 352 BLHS 2015 chưa có nội dung"),
        ("292", 1, "Điều 292 BLHS 2015 đã bị bãi bỏ"),
        ("9", 1, "không quy định một tội phạm cụ thể"),
        ("122", None, "không quy định một tội phạm cụ thể"),
        ("174", 5, "hình phạt bổ sung"),
        ("113", 4, "không quy định khung hình phạt chính"),
        ("174", 6, "không có khoản 6"),
        ("174", None, "cần ghi rõ khoản"),
        ("500", 1, "không có Điều 500"),
    ],
)
def test_errors_name_the_rule(label, clause, message):
    with pytest.raises(LegalRuleError, match=message) as raised:
        category_for(label, clause)
    assert "Điều" in str(raised.value)


def test_national_security_crimes_are_chapter_xiii():
    assert is_national_security("108") and is_national_security("121")
    assert not is_national_security("122")  # "Hình phạt bổ sung", not a crime
    assert not is_national_security("123")
