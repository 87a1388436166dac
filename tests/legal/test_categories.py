"""BLHS Điều 9: the crime category follows the maximum of the bracket charged."""
from __future__ import annotations

import pytest

from digitaldesk.cases.legal import LegalRuleError, code
from digitaldesk.cases.legal.categories import (
    Category,
    category_for,
    category_for_penalty,
    classify,
    is_national_security,
    most_serious,
)

I, N, R, D = (Category.IT_NGHIEM_TRONG, Category.NGHIEM_TRONG, Category.RAT_NGHIEM_TRONG,
              Category.DAC_BIET_NGHIEM_TRONG)


@pytest.mark.parametrize(
    ("label", "clause", "expected"),
    [
        # Giết người: 12–20 năm/chung thân/tử hình; 7–15 năm; chuẩn bị 1–5 năm.
        ("123", 1, D), ("123", 2, R), ("123", 3, N),
        # Cố ý gây thương tích: khoản 1 đến 03 năm ... khoản 6 chuẩn bị.
        ("134", 1, I), ("134", 2, N), ("134", 3, R), ("134", 4, R), ("134", 5, D),
        # Hiếp dâm.
        ("141", 1, N), ("141", 2, R), ("141", 3, D),
        # Cướp tài sản: khoản 1 từ 03 đến 10 năm is already RNT.
        ("168", 1, R), ("168", 2, R), ("168", 3, D), ("168", 4, D),
        # Trộm cắp tài sản.
        ("173", 1, I), ("173", 2, N), ("173", 3, R), ("173", 4, D),
        # Lừa đảo chiếm đoạt tài sản.
        ("174", 1, I), ("174", 2, N), ("174", 3, R), ("174", 4, D),
        # Lạm dụng tín nhiệm chiếm đoạt tài sản.
        ("175", 1, I), ("175", 4, D),
        # Vi phạm quy định về cạnh tranh / đa cấp (217a shares number 217).
        ("217", 1, I), ("217", 2, N), ("217a", 1, I), ("217a", 2, N),
        # Ma túy: tàng trữ, mua bán.
        ("249", 1, N), ("249", 4, D), ("251", 1, N), ("251", 2, R), ("251", 3, D), ("251", 4, D),
        # Vi phạm quy định về tham gia giao thông đường bộ.
        ("260", 1, N), ("260", 2, R), ("260", 3, R), ("260", 4, I),
        # Đánh bạc; tổ chức đánh bạc.
        ("321", 1, I), ("321", 2, N), ("322", 1, N), ("322", 2, R),
        # Tham ô; nhận hối lộ; đưa hối lộ.
        ("353", 1, N), ("353", 2, R), ("353", 3, D), ("353", 4, D),
        ("354", 1, N), ("354", 4, D), ("364", 1, I), ("364", 4, D),
        # An ninh quốc gia.
        ("108", 1, D), ("108", 2, R), ("108", 3, N), ("109", 1, D), ("109", 2, R), ("117", 1, R),
        # Articles written as one paragraph (no khoản).
        ("181", None, I), ("339", None, I), ("351", None, I), ("420", None, I),
    ],
)
def test_category_table(label, clause, expected):
    assert category_for(label, clause) is expected


def test_thresholds_of_article_9_are_inclusive_at_the_top():
    """"đến 03 năm" is ÍNT, "trên 03 năm" NT; 7 → NT, 15 → RNT, over 15 → ĐBNT."""
    make = code.Penalty
    assert category_for_penalty(make(text="", prison_min_months=6, prison_max_months=36)) is I
    assert category_for_penalty(make(text="", prison_min_months=6, prison_max_months=37)) is N
    assert category_for_penalty(make(text="", prison_min_months=24, prison_max_months=84)) is N
    assert category_for_penalty(make(text="", prison_min_months=24, prison_max_months=85)) is R
    assert category_for_penalty(make(text="", prison_min_months=84, prison_max_months=180)) is R
    assert category_for_penalty(make(text="", prison_min_months=84, prison_max_months=181)) is D
    assert category_for_penalty(make(text="", fine=True)) is I
    assert category_for_penalty(make(text="", non_custodial=True)) is I
    assert category_for_penalty(make(text="", prison_min_months=144, prison_max_months=240, life=True)) is D


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
    assert D.label == "Tội phạm đặc biệt nghiêm trọng"
    assert N.value == "nghiem_trong"
    assert D.basis == "BLHS 2015, Điều 9, khoản 1, điểm d"
    assert Category.choices()[0] == ("it_nghiem_trong", "Tội phạm ít nghiêm trọng")
    assert most_serious([N, D, I]) is D


def test_explanation_names_the_bracket_and_the_rule():
    text = classify("174", 4).explanation
    assert text == ("Điều 174 khoản 4 BLHS: mức cao nhất của khung hình phạt là tù chung thân → "
                    "Tội phạm đặc biệt nghiêm trọng (BLHS 2015, Điều 9, khoản 1, điểm d)")


def test_legal_entity_points_follow_the_clause_they_refer_to():
    # Điều 217 khoản 4 điểm b: "Phạm tội thuộc trường hợp quy định tại khoản 2 Điều này" (Điều 9 khoản 2).
    assert category_for("217", 4, "b") is N
    assert category_for("217", 4, "a") is I
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
