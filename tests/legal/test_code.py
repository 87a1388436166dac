"""The two codes as data: loading, structure, look-ups and the penalty brackets."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from digitaldesk.law import LegalRuleError, code


def test_both_codes_load_completely():
    blhs = list(code.articles(code.LAW_BLHS))
    bltths = list(code.articles(code.LAW_BLTTHS))
    # SOURCES.md: Điều 1–426 plus 217a; Điều 1–510.
    assert len(blhs) == 427
    assert len(bltths) == 510
    assert {a.label for a in blhs} == {str(n) for n in range(1, 427)} | {"217a"}


def test_article_217a_is_keyed_on_its_label_not_its_number():
    competition = code.article(217)
    multilevel = code.article("217a")
    assert competition.title == "Tội vi phạm quy định về cạnh tranh"
    assert multilevel.title == "Tội vi phạm quy định về kinh doanh theo phương thức đa cấp"
    assert multilevel.number == 217 and multilevel.label == "217a"
    assert multilevel.heading.startswith("Điều 217a. ")
    assert code.article("Điều 217A") is multilevel


def test_article_fields_and_clauses():
    fraud = code.article("174")
    assert fraud.law == "BLHS 2015"
    assert fraud.chapter == "Chương XVI - CÁC TỘI XÂM PHẠM SỞ HỮU"
    assert fraud.is_crime
    assert [c.number for c in fraud.clauses] == [1, 2, 3, 4, 5]
    first = fraud.clause(1)
    assert [p.letter for p in first.points] == ["a", "b", "c", "d"]
    assert first.point("d").text.startswith("d) Tài sản là phương tiện kiếm sống chính")
    # Repealed points stay visible as written.
    assert code.clause(174, 2).point("g").text == "g) (được bãi bỏ)"
    # The letter đ is a point of its own, between d and e.
    assert [p.letter for p in code.clause(123, 1).points][4:6] == ["đ", "e"]


@pytest.mark.parametrize(
    ("label", "number", "minimum", "maximum", "life", "death"),
    [
        (
            "123",
            1,
            12 * 12,
            20 * 12,
            True,
            True,
        ),  # tù từ 12 năm đến 20 năm, tù chung thân hoặc tử hình
        ("123", 2, 7 * 12, 15 * 12, False, False),
        (
            "174",
            1,
            6,
            3 * 12,
            False,
            False,
        ),  # cải tạo không giam giữ đến 03 năm hoặc tù từ 06 tháng đến 03 năm
        ("174", 4, 12 * 12, 20 * 12, True, False),
        ("217", 1, 3, 2 * 12, False, False),  # phạt tiền..., tù từ 03 tháng đến 02 năm
        ("248", 4, 20 * 12, 20 * 12, True, True),  # "tù 20 năm, tù chung thân hoặc tử hình"
    ],
)
def test_penalty_brackets_are_read_from_the_text(label, number, minimum, maximum, life, death):
    penalty = code.clause(label, number).penalty
    assert penalty is not None
    assert (penalty.prison_min_months, penalty.prison_max_months) == (minimum, maximum)
    assert (penalty.life, penalty.death) == (life, death)


def test_fine_only_and_non_custodial_brackets():
    # Điều 187 khoản 1... pick brackets without prison from the code itself.
    fine_only = [
        c
        for a in code.articles()
        if a.is_crime
        for c in a.clauses
        if c.penalty is not None and c.penalty.non_custodial_only
    ]
    assert fine_only, "the Penal Code has brackets without imprisonment"
    for clause in fine_only:
        assert clause.penalty.prison_max_months is None
        assert clause.penalty.maximum_label in {"cải tạo không giam giữ", "phạt tiền", "cảnh cáo"}
    flag_insult = code.clause(
        351, None
    ).penalty  # "phạt cảnh cáo, cải tạo không giam giữ ... hoặc phạt tù"
    assert flag_insult.warning and flag_insult.non_custodial and flag_insult.prison_max_months == 36


def test_additional_and_legal_entity_clauses_are_not_brackets():
    assert code.clause(174, 5).kind is code.ClauseKind.ADDITIONAL
    assert code.clause(174, 5).penalty is None
    entity = code.clause(217, 4)
    assert entity.kind is code.ClauseKind.LEGAL_ENTITY and entity.penalty is None
    assert entity.point("a").penalty is not None and entity.point("a").penalty.fine


def test_every_crime_article_has_a_bracket():
    """Every crime of Phần thứ hai has at least one bracket the classifier can read."""
    for article in code.articles():
        if article.is_crime:
            assert any(c.penalty is not None for c in article.clauses), article.heading


def test_articles_without_text():
    official = code.article(352)
    assert not official.has_text and official.status == "text_missing_in_source"
    with pytest.raises(LegalRuleError, match="chưa có nội dung"):
        official.clause(1)
    with pytest.raises(LegalRuleError, match="bãi bỏ"):
        code.clause(292, 1)


def test_missing_articles_and_clauses_have_clear_messages():
    with pytest.raises(LegalRuleError, match="không có Điều 427"):
        code.article(427)
    with pytest.raises(LegalRuleError, match="không có khoản 7"):
        code.clause(174, 7)
    with pytest.raises(LegalRuleError, match="cần ghi rõ khoản"):
        code.clause(174, None)
    with pytest.raises(LegalRuleError, match="không chia khoản"):
        code.clause(181, 1)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("174", "174"),
        ("Điều 123", "123"),
        ("217a", "217a"),
        ("lừa đảo", "174"),
        ("lua dao chiem doat", "174"),  # without diacritics
        ("GIẾT NGƯỜI", "123"),
        ("đánh bạc", "321"),
        ("tham ô", "353"),
    ],
)
def test_find_articles(query, first):
    assert code.find_articles(query)[0].label == first


def test_find_articles_requires_every_word_and_prefers_crimes():
    hits = code.find_articles("giết người")
    assert [a.label for a in hits[:3]] == ["123", "125", "126"]
    assert all("giết người" in a.title.lower() for a in hits)
    assert code.find_articles("không có tội danh này") == []
    assert code.find_articles("") == []


def test_procedure_articles():
    counting = code.procedure_article(134)
    assert counting.law == "BLTTHS 2015"
    assert counting.title == "Tính thời hạn"
    assert "ngày làm việc đầu tiên tiếp theo" in counting.clause(1).text
    investigation = code.procedure_article("172")
    assert investigation.clause(2).point("b").text.startswith("b) Đối với tội phạm nghiêm trọng")
    with pytest.raises(LegalRuleError, match="Tố tụng hình sự 2015 không có Điều 511"):
        code.procedure_article(511)


def test_packaged_data_matches_its_checksums():
    """The shipped texts are the ones copied from the shared corpus: SHA256SUMS was written from
    it (`sha256sum -c` run there) and travels with the package."""
    packaged = code.PACKAGED_DATA_DIR
    lines = (packaged / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    for line in lines:
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((packaged / name).read_bytes()).hexdigest() == digest, name


def test_data_dir_is_configurable(tmp_path):
    """DESK_LEGAL_DATA_DIR wins; a wrong one fails loudly; the packaged copy is the fallback."""
    script = (
        "from digitaldesk.law import code, LegalRuleError\n"
        "import sys\n"
        "print(code.data_dir())\n"
        "print(code.article(174).title)\n"
    )
    # The child imports the same source tree as this test (a worktree, not an installed copy).
    source = str(Path(code.__file__).resolve().parents[2])
    env = {
        "DESK_LEGAL_DATA_DIR": str(code.PACKAGED_DATA_DIR),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": source,
    }
    done = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == [
        str(code.PACKAGED_DATA_DIR),
        "Tội lừa đảo chiếm đoạt tài sản",
    ]
    env["DESK_LEGAL_DATA_DIR"] = str(tmp_path)
    failed = subprocess.run(  # noqa: S603  (fixed argv)
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode != 0
    assert "không tìm thấy tệp blhs-2015.jsonl" in failed.stderr
