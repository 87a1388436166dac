"""Versions of the Codes: each recovered amendment gives the new text from its effective date and
the old one before; what is not recovered is named precisely (docs/law.md, "Versions")."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digitaldesk.law import LegalRuleError, amendments, categories, code, transition, versions
from digitaldesk.law.categories import Category
from digitaldesk.law.citation import bltths

D = dt.date
PACKAGED = amendments.AMENDMENTS_DIR


def _records(name: str) -> list[dict[str, object]]:
    with (PACKAGED / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.parametrize("record", _records("consolidated-2025-07-01.jsonl"), ids=str)
def test_applying_the_recovered_instructions_gives_the_consolidated_text(
    record: dict[str, object],
) -> None:
    law = str(record["law"]).split()[0]
    label = str(record["article"])
    new = versions.article_in_force(law, label, D(2025, 7, 1))
    assert new.article.text == record["text"]
    assert new.amended_by[-1:] == tuple(record["amended_by"])  # type: ignore[arg-type]  # JSON


def _old_text(law: str, label: str) -> str:
    held = code.article(label) if law == "BLHS" else code.procedure_article(label)
    return held.text


@pytest.mark.parametrize(
    "amendment",
    [a for a in amendments.recovered() if a.applicable and a.op != "add_article"],
    ids=lambda a: a.id,
)
def test_each_recovered_amendment_applies_from_its_effective_date_only(
    amendment: amendments.Amendment,
) -> None:
    day = amendment.effective_from
    before = versions.article_in_force(amendment.law, amendment.article, day - dt.timedelta(1))
    after = versions.article_in_force(amendment.law, amendment.article, day)
    assert before.article.text == _old_text(amendment.law, amendment.article)
    assert after.article.text != before.article.text
    assert amendment.amending_law in after.amended_by
    assert amendment.amending_law not in before.amended_by
    if amendment.clause is not None:
        cited = after.cite(amendment.clause)
        assert cited.version == amendment.amending_law
        assert before.cite(amendment.clause).version == ""


def test_a_rule_cites_the_version_in_force_on_the_act_date() -> None:
    rule = bltths("154", 2)
    assert versions.cite_in_force(rule, D(2024, 12, 31)) == rule
    assert (
        versions.cite_in_force(rule, D(2025, 1, 1)).short()
        == "Điều 154 khoản 2 BLTTHS, sửa đổi bởi Luật số 34/2024/QH15"
    )
    # A clause no recovered instruction wrote keeps its citation.
    assert versions.cite_in_force(bltths("173", 2), D(2026, 1, 1)) == bltths("173", 2)


def test_the_court_can_no_longer_institute_a_case_from_2025() -> None:
    old = versions.article_in_force("BLTTHS", 153, D(2024, 12, 31)).article.clause(4)
    new = versions.article_in_force("BLTTHS", 153, D(2025, 1, 1)).article.clause(4)
    assert "ra quyết định khởi tố hoặc yêu cầu" in old.text
    assert new.text.startswith("4. Hội đồng xét xử yêu cầu Viện kiểm sát khởi tố")
    repealed = versions.article_in_force("BLTTHS", 326, D(2025, 1, 1)).article.clause(7)
    assert repealed.text == "7. (bị bãi bỏ)"


def test_what_is_not_recovered_is_named_once_and_precisely() -> None:
    cut = versions.article_in_force("BLTTHS", 20, D(2025, 7, 1))
    assert cut.article.text == _old_text("BLTTHS", "20")  # a cut text is never applied
    assert [u.provision for u in cut.may_differ][:1] == ["Điều 1 khoản 2"]
    assert "bị cắt" in cut.may_differ[0].reason
    # An article no instruction is known to touch: no article-level note, only the laws' gaps.
    quiet = versions.article_in_force("BLTTHS", 240, D(2025, 7, 1))
    assert quiet.may_differ == () and [g.number for g in quiet.gaps] == [
        "34/2024/QH15",
        "99/2025/QH15",
    ]
    assert versions.article_in_force("BLTTHS", 240, D(2024, 12, 31)).exact


def test_a_new_crime_exists_only_from_its_effective_date() -> None:
    new = versions.article_in_force("BLHS", "256a", D(2025, 7, 1))
    assert new.article.title == "Tội sử dụng trái phép chất ma túy" and new.article.is_crime
    assert new.article.chapter == code.article(256).chapter
    assert any("khoản 20" in u.provision for u in new.may_differ)  # khoản 2 not recovered
    assert categories.category_for("256a", 1, on=D(2025, 7, 1)) is Category.IT_NGHIEM_TRONG
    with pytest.raises(LegalRuleError, match="chưa có hiệu lực vào ngày 30/06/2025"):
        versions.article_in_force("BLHS", "256a", D(2025, 6, 30))
    with pytest.raises(LegalRuleError, match="Điều 7, khoản 2"):
        categories.bracket_for_offence("256a", 1, offence_on=D(2025, 6, 30), trial_on=D(2025, 9, 1))


@pytest.mark.parametrize("label,clause", sorted(transition.DEATH_PENALTY_REMOVED))
def test_death_penalty_removed_and_applied_backwards(label: str, clause: int) -> None:
    old = categories.classify(label, clause, on=D(2025, 6, 30))
    new = categories.classify(label, clause, on=D(2025, 7, 1))
    assert old.penalty.death and not new.penalty.death and new.penalty.life
    assert old.category is new.category is Category.DAC_BIET_NGHIEM_TRONG  # Điều 9 unchanged
    assert new.citation.version == "86/2025/QH15" and any("cần đối chiếu" in n for n in new.notes)
    chosen = categories.bracket_for_offence(
        label, clause, offence_on=D(2025, 3, 1), trial_on=D(2025, 9, 1)
    )
    assert chosen.rule is transition.FAVOURABLE_86_2025 and not chosen.classification.penalty.death
    assert "Luật số 86/2025/QH15, Điều 4, khoản 1, điểm b" in chosen.explanation
    tried_before = categories.bracket_for_offence(
        label, clause, offence_on=D(2025, 3, 1), trial_on=D(2025, 6, 1)
    )
    assert tried_before.classification.penalty.death


def test_a_harsher_bracket_is_not_applied_backwards() -> None:
    """Điều 251 khoản 1: 02–07 years before 01/07/2025, 03–07 after (secondary quotation)."""
    before = categories.bracket_for_offence(
        251, 1, offence_on=D(2025, 3, 1), trial_on=D(2026, 1, 5)
    )
    assert before.rule is transition.HARSHER_NOT_BACKWARDS
    assert before.classification.penalty.prison_min_months == 24
    assert before.later_version is not None
    assert before.later_version.penalty.prison_min_months == 36
    after = categories.bracket_for_offence(251, 1, offence_on=D(2025, 8, 1), trial_on=D(2026, 1, 5))
    assert after.rule is transition.OFFENCE_DATE_LAW
    assert after.classification.citation.short() == (
        "Điều 251 khoản 1 BLHS, sửa đổi bởi Luật số 86/2025/QH15"
    )
    assert before.category is after.category is Category.NGHIEM_TRONG


def test_transition_rules_cite_their_provisions() -> None:
    texts = {rule.key: rule.text for rule in transition.RULES}
    assert "(Luật số 59/2024/QH15, Điều 179, khoản 1, điểm a)." in texts["59_2024_179_1_a"]
    assert texts["99_2025_pending"].endswith("cần đối chiếu.")  # Điều 2 not recovered
    assert transition.juvenile_time_limits_rule(D(2025, 12, 31)) is None
    assert (
        transition.juvenile_time_limits_rule(D(2026, 1, 1))
        is transition.JUVENILE_PENDING_FIRST_INSTANCE
    )
