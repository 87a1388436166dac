"""Which full-text engine for the desk? The three candidates on the same pages (docs/search.md).

    nice .venv/bin/python -m benchmarks.search_engines                 # 200,000 pages
    nice .venv/bin/python -m benchmarks.search_engines --pages 50000   # quicker

The same synthetic pages (12 shuffled sentences of BLHS/BLTTHS each, folded with the desk's
`search_fold`, so every engine sees identical tokens) are loaded into:
  - tantivy 0.27 through the desk's own engine (`search.engine`), BM25 top 20;
  - SQLite FTS5 (`unicode61 remove_diacritics 2`), `ORDER BY rank LIMIT 20` (BM25);
  - PostgreSQL `to_tsvector('simple', …)` with a GIN index, `ts_rank` top 20.
Each answers the same 16 queries (words, phrases) 5 times; reported: load time, p50/p95 of a
ranked top-20 query. Writes benchmarks/results/search_engines.json.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.casefiles import QUERIES, _sentences
from benchmarks.common import REPO, percentile, recreate_postgres_db, write_results

WORK = REPO / "var" / "bench-search-engines"


def pages(n: int) -> list[str]:
    rng = random.Random(9)
    sentences = _sentences()
    return [" ".join(rng.choice(sentences) for _ in range(12)) for _ in range(n)]


def query_words(q: str) -> tuple[list[str], list[list[str]]]:
    from digitaldesk.search import query as sq

    parsed = sq.parse(q)
    return parsed.terms, parsed.phrases


def run_tantivy(texts: list[str]) -> dict[str, Any]:
    from digitaldesk.search import query as sq
    from digitaldesk.search.engine import IndexDoc, SearchIndex
    from digitaldesk.search.services import build_query

    path = WORK / "tantivy"
    shutil.rmtree(path, ignore_errors=True)
    idx = SearchIndex(path)
    start = time.perf_counter()
    with idx.writer(heap_mb=512, threads=2) as writer:
        batch = []
        for i, text in enumerate(texts):
            batch.append(IndexDoc("page", str(i), "", text, ["all:"], {}, None))
            if len(batch) == 5000:
                idx.write(writer, batch, [], replace=False)
                batch = []
        idx.write(writer, batch, [], replace=False)
        writer.commit()
    load = time.perf_counter() - start
    latencies = []
    for _ in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            searcher = idx.searcher()
            searcher.search(
                build_query(idx, sq.parse(q), acl=["all:"], kinds=None, filters=None), 20
            )
            latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "load_s": round(load, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
    }


def _fts_match(q: str) -> str:
    terms, phrases = query_words(q)
    parts = [f'"{t}"' for t in terms] + ['"' + " ".join(p) + '"' for p in phrases]
    return " AND ".join(parts)


def run_fts5(texts: list[str]) -> dict[str, Any]:
    from digitaldesk.search.query import search_fold

    path = WORK / "fts5.sqlite3"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE pages USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
    )
    start = time.perf_counter()
    db.executemany("INSERT INTO pages(body) VALUES (?)", ((search_fold(t),) for t in texts))
    db.commit()
    load = time.perf_counter() - start
    latencies = []
    for _ in range(5):
        for q in QUERIES:
            t0 = time.perf_counter()
            db.execute(
                "SELECT rowid FROM pages WHERE pages MATCH ? ORDER BY rank LIMIT 20",
                (_fts_match(q),),
            ).fetchall()
            latencies.append((time.perf_counter() - t0) * 1000)
    db.close()
    return {
        "load_s": round(load, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
    }


def run_postgres(texts: list[str]) -> dict[str, Any]:
    import psycopg

    from digitaldesk.search.query import search_fold

    url = recreate_postgres_db("desk_bench_search_engines")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE pages (id bigserial PRIMARY KEY, body text, tsv tsvector)")
        start = time.perf_counter()
        with conn.cursor().copy("COPY pages (body) FROM STDIN") as copy:
            for text in texts:
                copy.write_row((search_fold(text),))
        conn.execute("UPDATE pages SET tsv = to_tsvector('simple', body)")
        conn.execute("CREATE INDEX pages_tsv ON pages USING gin (tsv)")
        conn.execute("VACUUM ANALYZE pages")
        load = time.perf_counter() - start
        latencies = []
        for _ in range(5):
            for q in QUERIES:
                terms, phrases = query_words(q)
                parts = list(terms) + [" <-> ".join(p) for p in phrases]
                tsq = " & ".join(f"({p})" for p in parts)
                t0 = time.perf_counter()
                conn.execute(
                    "SELECT id FROM pages WHERE tsv @@ to_tsquery('simple', %s) "
                    "ORDER BY ts_rank(tsv, to_tsquery('simple', %s)) DESC LIMIT 20",
                    (tsq, tsq),
                ).fetchall()
                latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "load_s": round(load, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=200_000)
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitaldesk.config.settings")
    os.environ.setdefault("DESK_DATA_DIR", str(WORK / "data"))
    import django

    django.setup()
    WORK.mkdir(parents=True, exist_ok=True)
    texts = pages(args.pages)
    results: dict[str, Any] = {"pages": args.pages, "queries": len(QUERIES)}
    for name, func in (
        ("tantivy", run_tantivy),
        ("sqlite_fts5", run_fts5),
        ("postgresql_fts", run_postgres),
    ):
        print(f"{name}…", flush=True)
        results[name] = func(texts)
        print(f"  {results[name]}", flush=True)
    path = write_results("search_engines", results)
    print(f"-> {path}")
    shutil.rmtree(WORK / "tantivy", ignore_errors=True)
    Path(WORK / "fts5.sqlite3").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
