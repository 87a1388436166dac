"""The registry of laws and versions, the text in force on a date, and the package's place at the
bottom of the layers (it imports nothing of the desk)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import digitaldesk
from digitaldesk.core.text import fold as core_fold
from digitaldesk.law import LegalRuleError, code, registry

D = dt.date
SRC = Path(digitaldesk.__file__).resolve().parent


def test_laws_are_found_by_code_and_name():
    found = {
        name: registry.law(name).code
        for name in (
            "BLHS",
            "BLHS 2015",
            "Bộ luật Hình sự",
            "bộ luật hình sự 2015",
            "BLTTHS",
            "Bộ luật Tố tụng hình sự",
            "BLLĐ",
            "Bộ luật Lao động 2019",
        )
    }
    assert found == {
        "BLHS": "BLHS",
        "BLHS 2015": "BLHS",
        "Bộ luật Hình sự": "BLHS",
        "bộ luật hình sự 2015": "BLHS",
        "BLTTHS": "BLTTHS",
        "Bộ luật Tố tụng hình sự": "BLTTHS",
        "BLLĐ": "BLLĐ",
        "Bộ luật Lao động 2019": "BLLĐ",
    }
    with pytest.raises(LegalRuleError, match="Không rõ luật"):
        registry.law("Bộ luật Dân sự")


def test_versions_and_their_effective_dates():
    assert registry.BLHS.version_on(D(2018, 1, 1)).amended_by == ("12/2017/QH14",)
    assert registry.BLTTHS.version_on(D(2021, 11, 30)).amended_by == ()
    assert registry.BLTTHS.version_on(D(2021, 12, 1)).amended_by == ("02/2021/QH15",)
    assert registry.BLTTHS.latest_held.data_file == "bltths-2015.jsonl"
    with pytest.raises(
        LegalRuleError, match="có hiệu lực từ ngày 01/01/2018: chưa có hiệu lực vào ngày 31/12/2017"
    ):
        registry.BLHS.version_on(D(2017, 12, 31))


def test_the_2021_amendment_changed_exactly_the_articles_the_source_notes_name():
    """The registry's list of articles Luật 02/2021/QH15 changed is the corpus's own."""
    noted = {a.label for a in code.articles(code.LAW_BLTTHS) if "02/2021/QH15" in a.source_note}
    assert registry.BLTTHS.version_amended_by("02/2021/QH15").changed == noted


def test_text_in_force_today_names_what_may_differ_precisely():
    today = code.article_in_force("BLTTHS", 173, D(2026, 12, 4))
    assert today.article is code.procedure_article(173)  # no recovered instruction touches it
    assert today.version.amended_by == ("59/2024/QH15",)  # the law's version that day
    assert today.amended_by == ()  # this article's text: the held one
    assert [p.number for p in today.gaps] == ["34/2024/QH15", "99/2025/QH15", "59/2024/QH15"]
    assert not today.exact
    (why,) = today.may_differ
    assert (why.amending_law, why.provision) == ("99/2025/QH15", "Điều 1 (khoản chưa rõ)")
    assert today.caveat.startswith(
        "Điều 173 BLTTHS có thể đã được sửa đổi bởi Điều 1 (khoản chưa rõ) Luật số 99/2025/QH15 "
        "(từ 01/07/2025): văn bản đang dùng còn nêu cơ quan không còn tồn tại (cấp huyện, cấp "
        "cao)"
    )
    before = code.article_in_force("BLHS 2015", "217a", D(2025, 6, 30))
    assert before.exact and before.caveat == "" and before.article.label == "217a"
    death = code.article_in_force("BLHS", 40, D(2025, 7, 1))
    assert [p.number for p in death.gaps] == ["86/2025/QH15"] and death.may_differ == ()
    assert death.amended_by[-1] == "86/2025/QH15"
    assert death.cite(3).short() == "Điều 40 khoản 3 BLHS, sửa đổi bởi Luật số 86/2025/QH15"


def test_text_before_an_amendment_is_given_only_where_the_amendment_left_it_unchanged():
    """Before 01/12/2021 BLTTHS was the 2015 text, which is not held: an article that Luật
    02/2021/QH15 did not change has the held text; one it changed is refused, naming the law."""
    unchanged = code.article_in_force("BLTTHS", 173, D(2019, 6, 1))
    assert unchanged.article is code.procedure_article(173)
    assert unchanged.version.amended_by == () and unchanged.exact
    with pytest.raises(
        LegalRuleError,
        match="Điều 148 BLTTHS được sửa đổi bởi Luật số 02/2021/QH15 từ ngày "
        "01/12/2021: văn bản có hiệu lực ngày 01/06/2019 chưa có",
    ):
        code.article_in_force("BLTTHS", 148, D(2019, 6, 1))
    assert code.article_in_force("BLTTHS", 148, D(2021, 12, 1)).article is code.procedure_article(
        148
    )


def test_text_in_force_refuses_what_it_cannot_give():
    failures = []
    for args, message in [
        (("BLHS", 427, D(2020, 1, 1)), "không có Điều 427"),
        (("BLHS", 174, D(2017, 6, 1)), "chưa có hiệu lực"),
        (("BLLĐ", 112, D(2022, 1, 1)), "Chưa có văn bản Bộ luật Lao động 2019"),
    ]:
        try:
            code.article_in_force(*args)
        except LegalRuleError as exc:
            if message not in str(exc):
                failures.append((args, str(exc)))
        else:
            failures.append((args, "accepted"))
    assert failures == []


def test_the_package_folding_is_that_of_core():
    titles = [a.title for law in (code.LAW_BLHS, code.LAW_BLTTHS) for a in code.articles(law)]
    assert [code.fold(t) for t in titles] == [core_fold(t) for t in titles]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {name for name in names if name.startswith("digitaldesk")}


def test_law_imports_nothing_of_the_desk_and_cases_does_not_import_holidays():
    """`law` is the lowest layer; the holiday calendar reaches cases through
    law.calendar.work_calendar(), never by cases importing holidays."""
    outside = {
        f"{p.relative_to(SRC)}: {name}"
        for p in (SRC / "law").rglob("*.py")
        for name in _imports(p)
        if not name.startswith("digitaldesk.law")
    }
    assert outside == set()
    upward = {
        f"{p.relative_to(SRC)}: {name}"
        for p in (SRC / "cases").rglob("*.py")
        for name in _imports(p)
        if name.startswith("digitaldesk.holidays")
    }
    assert upward == set()
