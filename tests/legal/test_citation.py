"""Citations of the Codes: the three written forms, parsing back, and the engine's rules citing
provisions that exist in the held text."""

from __future__ import annotations

import datetime as dt

import pytest

from digitaldesk.law import LegalRuleError, code
from digitaldesk.law.calendar import BASIS_HOLIDAYS, BASIS_MAKE_UP, BASIS_PM_DECIDES
from digitaldesk.law.categories import LEGAL_ENTITY_RULE, Category, classify
from digitaldesk.law.citation import Citation, blhs, bltths
from digitaldesk.law.deadlines import compute_deadlines, tables
from tests.cases.engine_cases import CALENDAR, generated_cases

FORMS = [
    # (citation, formal, short, inline)
    (
        bltths("173", 2),
        "BLTTHS 2015, Điều 173, khoản 2",
        "Điều 173 khoản 2 BLTTHS",
        "khoản 2 Điều 173 BLTTHS",
    ),
    (
        blhs("51", 1, "b"),
        "BLHS 2015, Điều 51, khoản 1, điểm b",
        "Điều 51 khoản 1 điểm b BLHS",
        "điểm b khoản 1 Điều 51 BLHS",
    ),
    (blhs("217a"), "BLHS 2015, Điều 217a", "Điều 217a BLHS", "Điều 217a BLHS"),
    (bltths("241"), "BLTTHS 2015, Điều 241", "Điều 241 BLTTHS", "Điều 241 BLTTHS"),
    (
        Citation("BLLĐ", "112", 1, "đ"),
        "Bộ luật Lao động 2019, Điều 112, khoản 1, điểm đ",
        "Điều 112 khoản 1 điểm đ BLLĐ",
        "điểm đ khoản 1 Điều 112 BLLĐ",
    ),
    (
        bltths("174", 3, note="theo Điều 172"),
        "BLTTHS 2015, Điều 174, khoản 3 (theo Điều 172)",
        "Điều 174 khoản 3 BLTTHS (theo Điều 172)",
        "khoản 3 Điều 174 BLTTHS (theo Điều 172)",
    ),
    (
        Citation("BLTTHS", "173", 3, version="99/2025/QH15"),
        "BLTTHS 2015, Điều 173, khoản 3, sửa đổi bởi Luật số 99/2025/QH15",
        "Điều 173 khoản 3 BLTTHS, sửa đổi bởi Luật số 99/2025/QH15",
        "khoản 3 Điều 173 BLTTHS, sửa đổi bởi Luật số 99/2025/QH15",
    ),
]


@pytest.mark.parametrize(("citation", "formal", "short", "inline"), FORMS)
def test_the_three_forms_are_written_and_read_back(citation, formal, short, inline):
    assert (str(citation), citation.text, citation.short(), citation.inline()) == (
        formal,
        formal,
        short,
        inline,
    )
    failures = [text for text in (formal, short, inline) if Citation.parse(text) != citation]
    assert failures == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Điều 173 khoản 2 BLTTHS", bltths("173", 2)),
        ("điểm b khoản 1 Điều 51 BLHS", blhs("51", 1, "b")),
        ("Điều 51, khoản 1, điểm b Bộ luật Hình sự", blhs("51", 1, "b")),
        ("Bộ luật Tố tụng hình sự 2015, Điều 147", bltths("147")),
        ("  điều 217A   blhs ", blhs("217a")),
        (
            "Điều 173 khoản 3 BLTTHS, sửa đổi bởi Luật 99/2025/QH15",
            bltths("173", 3).with_version("99/2025/QH15"),
        ),
    ],
)
def test_parse_accepts_the_forms_written_in_the_desk(text, expected):
    assert Citation.parse(text) == expected


def test_a_text_without_the_law_takes_the_default_law():
    assert Citation.parse("Điều 147, khoản 2", default_law="BLTTHS") == bltths("147", 2)
    with pytest.raises(LegalRuleError, match="không ghi tên luật"):
        Citation.parse("Điều 147, khoản 2")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Điều 1 BLDS", 'Không rõ luật "BLDS"'),
        ("Điều 173 khoản 5, 6 BLTTHS", "mỗi trích dẫn chỉ ghi một khoản"),
        ("điểm b, c khoản 1 Điều 51 BLHS", "mỗi trích dẫn chỉ ghi một khoản"),
        ("khoản 2 Điều 3 điểm a BLHS", "theo thứ tự"),
        ("khoản 2 BLHS", 'thiếu "Điều ..."'),
        ("BLHS", 'thiếu "Điều ..."'),
    ],
)
def test_bad_citations_are_refused_in_vietnamese(text, message):
    with pytest.raises(LegalRuleError, match=message):
        Citation.parse(text)


def test_bad_parts_are_refused_when_built():
    failures = []
    for args, message in [
        (("BLHS", "0"), "Số điều"),
        (("BLHS", "51", 0), "Số khoản"),
        (("BLHS", "51", 1, "bb"), "Điểm không hợp lệ"),
        (("BLHS", "51", None, "b"), "khoản"),
    ]:
        try:
            Citation(*args)
        except LegalRuleError as exc:
            if message not in str(exc):
                failures.append((args, str(exc)))
        else:
            failures.append((args, "accepted"))
    assert failures == []


D = dt.date


def test_a_pinned_version_resolves_in_the_registry():
    assert Citation.parse(
        "Điều 148 BLTTHS, sửa đổi bởi Luật số 02/2021/QH15"
    ).law_version().amended_by == ("02/2021/QH15",)
    assert bltths("148").law_version() is None
    pinned = bltths("173", 3).with_version("99/2025/QH15")
    assert pinned.law_version().effective_from == D(2025, 7, 1)  # held as far as recovered
    assert pinned.short() == "Điều 173 khoản 3 BLTTHS, sửa đổi bởi Luật số 99/2025/QH15"
    with pytest.raises(LegalRuleError, match="12/2017/QH14"):
        bltths("173").with_version("12/2017/QH14").law_version()  # amends BLHS, not BLTTHS


def _provision_exists(citation: Citation) -> bool:
    if citation.law == "BLHS":
        article = code.article(citation.article)
    else:
        article = code.procedure_article(citation.article)
    if citation.clause is not None:
        clause = article.clause(citation.clause)
        if citation.point is not None:
            clause.point(citation.point)
    return article.has_text


def test_every_provision_the_engine_and_categories_cite_exists_in_the_held_text():
    """No invented rules: each cited article, clause and point is in the consolidated text."""
    cited = [value for name, value in vars(tables).items() if name.startswith("ART_")]
    cited += [category.citation for category in Category] + [LEGAL_ENTITY_RULE]
    assert len(cited) > 40
    missing = []
    for citation in cited:
        try:
            if not _provision_exists(citation):
                missing.append(str(citation))
        except LegalRuleError as exc:
            missing.append(f"{citation}: {exc}")
    assert missing == []


def test_every_computed_deadline_carries_its_citation():
    """Over the engine's generated cases, each deadline's basis is the text of its Citation, which
    parses back to the same citation."""
    bad = []
    seen = set()
    for category, security, events, today in generated_cases(600):
        for deadline in compute_deadlines(
            category=category,
            events=events,
            calendar=CALENDAR,
            national_security=security,
            today=today,
        ):
            citation = deadline.citation
            seen.add(citation)
            if (
                not isinstance(citation, Citation)
                or deadline.basis != citation.text
                or Citation.parse(deadline.basis) != citation
            ):
                bad.append((deadline.key, deadline.basis))
    assert bad == []
    assert len(seen) > 25


def test_categories_and_calendar_cite_through_citations():
    assert Category.DAC_BIET_NGHIEM_TRONG.citation == blhs("9", 1, "d")
    assert classify(174, 4).citation.short() == "Điều 174 khoản 4 BLHS"
    assert classify(181, None).citation == blhs("181")
    assert Citation.parse(BASIS_HOLIDAYS) == Citation("BLLĐ", "112", 1)
    assert Citation.parse(BASIS_MAKE_UP) == Citation("BLLĐ", "111", 3)
    assert Citation.parse(BASIS_PM_DECIDES).note == "Thủ tướng quyết định cụ thể"
    assert code.article("174").citation == blhs("174")
    assert str(code.procedure_article(173).citation) == "BLTTHS 2015, Điều 173"
