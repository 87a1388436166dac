"""Reading amending laws written in the official style (pure: no database)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digitaldesk.law import LegalRuleError, amendments, code
from digitaldesk.law.amendment_text import article_diff, parse_amending_law

from .conftest import FIXTURES, TEST_LAW

D = dt.date


def _key(a: amendments.Amendment) -> tuple[object, ...]:
    return (a.amending_law, a.op, a.law, a.article, a.clause, a.point, a.new_text)


@pytest.mark.parametrize(
    "name,number,effective",
    [
        ("99-2025-QH15", None, D(2025, 7, 1)),  # Điều 2 (effect) not recovered: date given
        ("86-2025-QH15", None, None),
        ("34-2024-QH15", "34/2024/QH15", D(2025, 1, 1)),  # only Điều 150 of the law recovered
    ],
)
def test_the_recovered_fragments_read_as_the_recovered_instructions(
    name: str, number: str | None, effective: dt.date | None
) -> None:
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    parsed = parse_amending_law(
        text,
        code="BLTTHS" if name.startswith("34") else None,
        effective_from=effective,
        number=number,
    )
    recovered = {
        _key(a)
        for a in amendments.recovered()
        if a.amending_law == parsed.number and a.complete and a.source_quality == "law_text_copy"
    }  # the secondary quotations (Điều 251, 256a) are not in the law's text
    assert {_key(a) for a in parsed.instructions} == recovered
    assert len(parsed.unread) == 1 and "văn bản bị cắt" in parsed.unread[0]  # the cut khoản


def test_the_test_law_round_trips_into_instructions() -> None:
    parsed = parse_amending_law(TEST_LAW.read_text(encoding="utf-8"))
    assert (parsed.number, parsed.law, parsed.effective_from) == (
        "999/2026/QH15",
        "BLTTHS",
        D(2026, 10, 1),
    )
    assert parsed.title == "Luật sửa đổi, bổ sung một số điều của Bộ luật Tố tụng hình sự"
    assert [(a.op, a.article, a.clause, a.point) for a in parsed.instructions] == [
        ("replace_clause", "172", 2, None),
        ("replace_phrase", "172", 5, None),
        ("replace_phrase", "173", 3, None),
        ("add_point", "173", 3, "c"),
        ("repeal_point", "173", 3, "b"),
        ("add_article", "174a", None, None),
        ("repeal_clause", "346", 4, None),
    ]
    assert parsed.unread == []
    phrase = parsed.instructions[1]
    assert (phrase.phrase_from, phrase.phrase_to) == (
        "Viện kiểm sát nhân dân cấp huyện",
        "Viện kiểm sát nhân dân khu vực",
    )
    title, text = code.procedure_article(173).title, code.procedure_article(173).text
    for a in parsed.instructions[2:5]:
        title, text = amendments.apply(title, text, a)
    rows = article_diff(code.procedure_article(173).text, text)
    changed = [r for r in rows if r.kind != "same"]
    assert any("Viện kiểm sát nhân dân khu vực" in r.new for r in changed)
    assert any(r.new == "b) (bị bãi bỏ)" for r in changed)
    assert any(r.new.startswith("c) Viện kiểm sát nhân dân tối cao") for r in changed)


def test_a_text_without_what_the_desk_needs_is_refused() -> None:
    with pytest.raises(LegalRuleError, match="số hiệu luật"):
        parse_amending_law("Điều 1. Sửa đổi\n1. Bãi bỏ khoản 4 Điều 346.")
    with pytest.raises(LegalRuleError, match="ngày có hiệu lực"):
        parse_amending_law(
            "Luật số: 1/2027/QH16\nBộ luật Tố tụng hình sự\nĐiều 1. X\n1. Bãi bỏ khoản 4 Điều 346."
        )


def test_the_packaged_recovered_records_are_json_lines() -> None:
    with (amendments.AMENDMENTS_DIR / "amendments.jsonl").open(encoding="utf-8") as handle:
        assert len([json.loads(line) for line in handle if line.strip()]) == 17
