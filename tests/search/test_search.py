"""The full-text search service, through the real tantivy index and database."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

import digitaldesk
from digitaldesk.search import query as q
from digitaldesk.search import services as search
from digitaldesk.search.engine import get_index
from digitaldesk.search.models import SearchChange, SearchEntry

pytestmark = pytest.mark.django_db(transaction=False)


def _packaged_legal_file(name: str) -> Path:
    """The copy of a Code shipped inside the `digitaldesk` package (found wherever the
    legal data package lives, so the test stands on the repository alone)."""
    found = sorted(Path(digitaldesk.__file__).resolve().parent.rglob(name))
    assert len(found) == 1, f"expected one packaged {name}, found {found}"
    return found[0]


def _articles(name: str, count: int) -> list[dict]:
    rows = []
    with _packaged_legal_file(name).open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("text"):
                rows.append(row)
            if len(rows) >= count:
                break
    return rows


def test_diacritic_insensitive_both_ways(search_dir):
    search.index(
        "document",
        "1",
        title="Quyết định khởi tố vụ án hình sự",
        body="Viện kiểm sát nhân dân tỉnh Thăng Hoa quyết định khởi tố vụ án.",
        acl=["unit:1"],
    )
    search.index(
        "document", "2", title="Công văn trả lời", body="Về việc đề nghị gia hạn.", acl=["unit:1"]
    )
    plain = search.search("quyet dinh", acl=["unit:1"])
    assert [h.key for h in plain.hits] == ["1"]
    accented = search.search("QUYẾT ĐỊNH khởi tố", acl=["unit:1"])
    assert [h.key for h in accented.hits] == ["1"]
    assert (
        "<mark>quyết định</mark>" in accented.hits[0].snippet.lower()
        or "<mark>quyết</mark>" in accented.hits[0].snippet.lower()
    )


def test_phrase_requires_adjacent_words(search_dir):
    search.index("document", "a", title="A", body="bị can bị bắt tạm giam", acl=["unit:1"])
    search.index(
        "document",
        "b",
        title="B",
        body="tạm đình chỉ điều tra đối với bị can; giam giữ",
        acl=["unit:1"],
    )
    assert {h.key for h in search.search("tạm giam", acl=["unit:1"]).hits} == {"a", "b"}
    assert [h.key for h in search.search('"tam giam"', acl=["unit:1"]).hits] == ["a"]
    assert [h.key for h in search.search('giam -"đình chỉ"', acl=["unit:1"]).hits] == ["a"]


def test_acl_tokens_gate_every_hit(search_dir):
    search.index(
        "document",
        "p2",
        title="Cáo trạng",
        body="cáo trạng vụ án tham nhũng",
        acl=["unit:2", "user:7"],
    )
    search.index("case", "9", title="Vụ án", body="tham nhũng tài sản", acl=["case:9"])
    assert search.search("tham nhũng", acl=["unit:3"]).total == 0
    assert [h.key for h in search.search("tham nhũng", acl=["user:7"]).hits] == ["p2"]
    assert {h.kind for h in search.search("tham nhũng", acl=["unit:2", "case:9"]).hits} == {
        "document",
        "case",
    }
    assert [
        h.kind for h in search.search("tham nhũng", acl=["unit:2", "case:9"], kinds=["case"]).hits
    ] == ["case"]
    assert search.search("tham nhũng", acl=[]).total == 0


def test_filters_on_fields_and_dates(search_dir):
    for n, day in enumerate([date(2026, 1, 5), date(2026, 3, 1), date(2026, 6, 30)]):
        search.index(
            "casefile.page",
            f"p{n}",
            title=f"Bút lục {n + 1}",
            body="biên bản lấy lời khai",
            acl=["case:1"],
            fields={"case_id": 1, "volume": n % 2, "date": day},
        )
    search.index(
        "casefile.page",
        "other",
        title="Bút lục 1",
        body="biên bản lấy lời khai",
        acl=["case:1"],
        fields={"case_id": 2, "date": date(2026, 3, 1)},
    )
    hits = search.search("lời khai", acl=["case:1"], filters={"case_id": 1})
    assert hits.total == 3
    assert search.search("lời khai", acl=["case:1"], filters={"case_id": 1, "volume": 1}).total == 1
    assert search.search("lời khai", acl=["case:1"], filters={"case_id": [1, 2]}).total == 4
    ranged = search.search(
        "lời khai",
        acl=["case:1"],
        filters={"case_id": 1, "date_from": date(2026, 2, 1), "date_to": "2026-06-29"},
    )
    assert [h.key for h in ranged.hits] == ["p1"]
    assert ranged.hits[0].fields == {"case_id": 1, "volume": 1, "date": "2026-03-01"}


def test_replace_and_remove(search_dir):
    search.index("document", "1", title="Dự thảo", body="nội dung cũ", acl=["unit:1"])
    assert search.search("cũ", acl=["unit:1"]).total == 1
    search.index("document", "1", title="Dự thảo", body="nội dung mới", acl=["unit:1"])
    assert search.search("cũ", acl=["unit:1"]).total == 0
    assert search.search("mới", acl=["unit:1"]).total == 1
    search.remove("document", "1")
    assert search.search("mới", acl=["unit:1"]).total == 0
    assert SearchEntry.objects.count() == 0


def test_ranking_pagination_and_real_legal_text(search_dir):
    articles = _articles("bltths-2015.jsonl", 120)
    search.index_many(
        {
            "kind": "law",
            "key": str(a["article"]),
            "title": a["title"],
            "body": a["text"],
            "acl": ["public:"],
        }
        for a in articles
    )
    first = search.search("kiểm sát viên", acl=["public:"], limit=5)
    assert first.total > 5 and len(first.hits) == 5
    scores = [h.score for h in first.hits]
    assert scores == sorted(scores, reverse=True)
    second = search.search("kiem sat vien", acl=["public:"], limit=5, offset=5)
    assert not {h.key for h in first.hits} & {h.key for h in second.hits}
    assert all("<mark>" in h.snippet for h in first.hits)


def test_rolled_back_index_call_leaves_no_trace(search_dir, django_db_blocker):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        search.index("document", "x", title="Mật", body="bí mật nhà nước", acl=["unit:1"])
        raise RuntimeError("business write failed")
    assert search.search("bí mật", acl=["unit:1"]).total == 0


def test_index_follows_a_different_database_state(search_dir):
    """An index left from another database (a restored backup, a rolled-back test)
    is detected by the fingerprint of its cursor and rebuilt from the log."""
    search.index("document", "1", title="Một", body="con dấu", acl=["unit:1"])
    assert search.search("con dấu", acl=["unit:1"]).total == 1
    # Simulate a restore: the change log and entries are replaced behind the index's back.
    SearchChange.objects.all().delete()
    SearchEntry.objects.all().delete()
    SearchEntry.objects.create(
        kind="document", key="2", title="Hai", body="con dấu mới", acl=["unit:1"]
    )
    SearchChange.objects.create(kind="document", key="2")
    assert [h.key for h in search.search("con dấu", acl=["unit:1"]).hits] == ["2"]


def test_reindex_command_rebuilds_from_the_table(search_dir):
    search.index("document", "1", title="Một", body="hồ sơ vụ án", acl=["unit:1"])
    search.search("hồ sơ", acl=["unit:1"])
    idx = get_index()
    with idx.writer() as writer:  # lose the index content
        writer.delete_all_documents()
        writer.commit()
    assert search.search("hồ sơ", acl=["unit:1"]).total == 0
    call_command("search-reindex")
    assert search.search("hồ sơ", acl=["unit:1"]).total == 1


def test_sync_job_applies_changes_and_is_idempotent(search_dir):
    from digitaldesk.search.jobs import sync_job

    search.index("document", "1", title="Một", body="biên bản khám nghiệm", acl=["unit:1"])
    calls = []
    result = sync_job(lambda d, t, m="": calls.append((d, t)))
    assert result["applied"] == 1
    assert sync_job(lambda d, t, m="": None)["applied"] == 0
    assert search.search("khám nghiệm", acl=["unit:1"]).total == 1


def test_index_enqueues_one_sync_job_per_transaction(
    search_dir, django_capture_on_commit_callbacks
):
    from digitaldesk.jobs.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        search.index_many(
            {"kind": "document", "key": str(i), "title": "t", "body": "b", "acl": ["unit:1"]}
            for i in range(5)
        )
    assert Job.objects.filter(name="search.sync").count() == 1


def test_query_parser():
    parsed = q.parse('Quyết định "khởi tố bị can" -tạm "x" ')
    assert sorted(parsed.terms) == ["dinh", "quyet", "x"]
    assert parsed.phrases == [["khoi", "to", "bi", "can"]]
    assert parsed.excluded == ["tam"]
    assert q.parse("  ").is_empty
    html = q.highlight("Ông <b> Nguyễn Văn Đức", q.parse("duc nguyen"))
    assert html == "Ông &lt;b&gt; <mark>Nguyễn</mark> Văn <mark>Đức</mark>"
