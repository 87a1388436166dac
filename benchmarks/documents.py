"""Benchmark of documents (văn bản) on PostgreSQL with 200,000 incoming documents.

    nice .venv/bin/python benchmarks/documents.py                  # 200,000 documents
    nice .venv/bin/python benchmarks/documents.py --documents 20000 --keep

What it does (docs/documents.md, "Performance"):

1. Creates the database `desk_bench_docs` (dropped and created again), migrates it and builds
   the demo organisation.
2. Generates N incoming documents (fixed seed) in the registers of VKSND tỉnh Thăng Hoa (70 %),
   the two regional procuracies and Vụ 5, over five years, with realistic Vietnamese subjects and
   ~1 KB of text each; a third of them directed to Phòng 2 / anh Minh. Every document is put in the
   shared search index (SearchEntry rows, then `search.reindex`, the same path as `desk
   search-reindex`).
3. Serves the desk with gunicorn (2 workers × 4 threads) and measures, over HTTP with real
   sessions, 200 requests to each register and list page (the clerk's incoming register, page 1
   and page 40, a filter by type, the handler's list, the outgoing register, the "Văn bản" home):
   ``p95_ms`` over all of them, plus per page. Beside the wall-clock figures, the CPU time the
   server spent per request, read from /proc around each page's requests: ``cpu_ms`` (the gunicorn
   workers, ``cpu_django_ms``, plus the PostgreSQL backends of the database, ``cpu_postgres_ms``),
   overall and per page (``<page>_cpu_ms``). On a shared machine the wall clock is inflated by
   other work; the CPU time much less.
4. 100 full-text searches (10 queries, diacritics or not, 2 users, 5 times each) through
   /van-ban/tim-kiem/: ``search_p95_ms``, ``search_p50_ms`` and ``search_cpu_ms``.
5. 20 threads (each its own PostgreSQL connection) take 1,000 outgoing numbers the way `issue`
   does (counter row lock + audit record in one transaction): ``numbers_distinct`` (out of 1,000)
   and ``numbers_consecutive``.
6. Signs a 20-page PDF 10 times with the signer's personal certificate (pyHanko, demo CA):
   ``sign_median_ms``.

No timing is asserted anywhere; the targets are read from benchmarks/results/documents.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from benchmarks.common import (
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    manage,
    percentile,
    recreate_postgres_db,
    write_results,
)

SUBJECTS = [
    "Kết luận của Viện trưởng VKSND tối cao tại Hội nghị Ban Chỉ đạo chuyển đổi số",
    "Báo cáo kết quả công tác kiểm sát việc giải quyết tố giác, tin báo về tội phạm",
    "Quyết định phân công Kiểm sát viên thực hành quyền công tố",
    "Kế hoạch kiểm tra nghiệp vụ 6 tháng đầu năm",
    "Hướng dẫn thống kê tội phạm và chuyển đổi số",
    "Công văn đề nghị cung cấp tài liệu vụ án trộm cắp tài sản",
    "Thông báo lịch họp giao ban trực tuyến",
    "Tờ trình về việc mua sắm thiết bị chữ ký số",
    "Giấy mời dự hội nghị sơ kết công tác năm",
    "Chỉ thị về công tác của ngành Kiểm sát nhân dân",
]
SENDERS = [
    "Viện kiểm sát nhân dân tối cao",
    "Cục Thống kê tội phạm và Công nghệ thông tin (Cục 2)",
    "Công an tỉnh Thăng Hoa",
    "Tòa án nhân dân tỉnh Thăng Hoa",
    "Ủy ban nhân dân tỉnh Thăng Hoa",
    "Sở Tư pháp tỉnh Thăng Hoa",
    "Viện kiểm sát nhân dân khu vực 1 — Thăng Hoa",
]
TYPES = [
    ("thong_bao", "TB"),
    ("cong_van", ""),
    ("ke_hoach", "KH"),
    ("bao_cao", "BC"),
    ("quyet_dinh", "QĐ"),
    ("huong_dan", "HD"),
    ("giay_moi", "GM"),
    ("to_trinh", "TTr"),
]
QUERIES = [
    "chuyển đổi số",
    "chuyen doi so",
    "trộm cắp tài sản",
    "giao ban truc tuyen",
    "chữ ký số",
    '"kiểm sát viên"',
    "thong ke toi pham",
    "hội nghị sơ kết",
    "tố giác tin báo",
    "thiết bị",
]


def seed_sentences() -> list[str]:
    """Sentences of the seed documents, for realistic text (falls back to the subjects)."""
    sentences: list[str] = []
    for path in sorted((REPO.parent / "shared" / "seeds").glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        sentences.extend(s.strip() + "." for s in text.split(".") if 40 < len(s.strip()) < 400)
    return sentences or SUBJECTS


def generate(count: int, org: object, rng: random.Random) -> None:
    """Bulk-create `count` incoming documents, their assignments, counters and search entries."""
    import datetime as dt

    from django.utils import timezone

    from digitaldesk.core.text import fold
    from digitaldesk.documents import selectors
    from digitaldesk.documents.models import Assignment, IncomingDocument, RegisterCounter
    from digitaldesk.search.models import SearchEntry

    units = org.units  # type: ignore[attr-defined]
    people = org.people  # type: ignore[attr-defined]
    agencies = [
        (units["tinh"], 70, people["lan"]),
        (units["kv1"], 10, people["kv1_vthu"]),
        (units["kv2"], 10, people["kv1_vthu"]),
        (units["v5"], 10, people["v5_vthu"]),
    ]
    sentences = seed_sentences()
    counters: dict[tuple[int, int], int] = {}
    p2 = units["tinh_p2"]
    minh, huong = people["minh"], people["huong"]
    batch_size = 5000
    start = time.monotonic()
    for offset in range(0, count, batch_size):
        documents = []
        for _ in range(min(batch_size, count - offset)):
            agency, _, clerk = rng.choices(agencies, weights=[a[1] for a in agencies])[0]
            year = rng.choice([2022, 2023, 2024, 2025, 2026])
            number = counters.get((agency.pk, year), 0) + 1
            counters[(agency.pk, year)] = number
            doc_type, abbr = rng.choice(TYPES)
            sender = rng.choice(SENDERS)
            issuer = "VKSTC" if "tối cao" in sender else "CA"
            code = f"{rng.randint(1, 2000)}/{abbr + '-' if abbr else ''}{issuer}"
            subject = rng.choice(SUBJECTS)
            text = " ".join(rng.choice(sentences) for _ in range(8))
            arrived = dt.datetime(
                year,
                rng.randint(1, 12),
                rng.randint(1, 28),
                8,
                30,
                tzinfo=timezone.get_current_timezone(),
            )
            status = rng.choice(["cho_phan_cong", "dang_xu_ly", "da_xong", "da_xong"])
            fields_text = " ".join([code, sender, subject, str(number)])
            documents.append(
                IncomingDocument(
                    unit=agency,
                    register="den",
                    year=year,
                    arrival_number=number,
                    arrived_at=arrived,
                    sender=sender,
                    code_notation=code,
                    code_folded=fold(code).replace(" ", ""),
                    doc_type=doc_type,
                    subject=subject,
                    status=status,
                    registered_by=clerk,
                    text=text,
                    text_source="pdf",
                    search_folded=fold(fields_text),
                    due_date=(arrived + dt.timedelta(days=15)).date(),
                )
            )
        IncomingDocument.objects.bulk_create(documents, batch_size=2000)
        assignments, entries = [], []
        for document in documents:
            if (
                document.unit_id == units["tinh"].pk
                and document.status != "cho_phan_cong"
                and rng.random() < 0.5
            ):
                assignments.append(
                    Assignment(
                        document=document,
                        role="chu_tri",
                        unit=p2,
                        unit_path=p2.path,
                        assigned_by=huong,
                        due_date=document.due_date,
                    )
                )
                assignments.append(
                    Assignment(
                        document=document,
                        role="chu_tri",
                        user=minh,
                        unit_path=p2.path,
                        assigned_by=huong,
                        due_date=document.due_date,
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        by_doc: dict[int, list[Assignment]] = {}
        for assignment in assignments:
            by_doc.setdefault(assignment.document_id, []).append(assignment)
        for document in documents:
            # The same ACL tokens as `selectors.incoming_acl` (computed here without a query per
            # row).
            tokens = {f"docs-clerk:{document.unit_id}", f"docs-lead:{document.unit_id}"}
            for assignment in by_doc.get(document.pk, []):
                if assignment.user_id:
                    tokens.add(f"user:{assignment.user_id}")
                tokens.add(f"docs-lead:{p2.pk}")
            entries.append(
                SearchEntry(
                    kind=selectors.INCOMING_KIND,
                    key=str(document.pk),
                    title=f"{document.code_notation} — {document.subject}",
                    body=" ".join(
                        [document.code_notation, document.sender, document.subject, document.text]
                    ),
                    acl=sorted(tokens),
                    fields={
                        "date": document.arrived_at.date().isoformat(),
                        "unit_id": document.unit_id,
                        "status": document.status,
                    },
                    unit_id=document.unit_id,
                )
            )
        SearchEntry.objects.bulk_create(entries, batch_size=2000)
        print(
            f"  {offset + len(documents):>7} văn bản ({time.monotonic() - start:.0f} s)", flush=True
        )
    RegisterCounter.objects.bulk_create(
        [
            RegisterCounter(unit_id=unit_id, register="den", year=year, last=last)
            for (unit_id, year), last in counters.items()
        ]
    )


def session_cookie(user: object) -> str:
    """A real logged-in session for `user` (as the login page creates it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = "digitaldesk.accounts.backends.DeskBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session["last_activity"] = time.time() + 3600
    session.save()
    return session.session_key  # type: ignore[return-value]


def measure(client: object, path: str, repeat: int) -> list[float]:
    latencies = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}\n{response.text[:500]}")
    return latencies


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14 and 15 of stat)


class ServerCpu:
    """CPU time spent serving the requests, read from /proc (Linux) around a batch of sequential
    requests: the gunicorn workers (Django, all threads) and the PostgreSQL backends of the
    benchmark database other than this process's own. Wall-clock latencies are inflated when other
    work shares the machine; CPU time per request much less so."""

    def __init__(self, server: GunicornServer, database: str) -> None:
        self.server = server
        self.database = database

    def _workers(self) -> list[int]:
        master = self.server.process.pid  # type: ignore[union-attr]
        children = []
        for task in Path(f"/proc/{master}/task").iterdir():
            try:
                children += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        return children

    def _backends(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.database],
            )
            return [row[0] for row in cursor.fetchall()]

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {
            "django": {pid: _cpu_seconds(pid) for pid in self._workers()},
            "postgres": {pid: _cpu_seconds(pid) for pid in self._backends()},
        }

    @staticmethod
    def per_request_ms(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], requests: int
    ) -> dict[str, float]:
        """CPU ms per request of each side. A backend that appeared meanwhile counts from zero; one
        that ended meanwhile is lost (DESK_DB_CONN_MAX_AGE keeps them open during the run)."""
        out = {}
        for side in ("django", "postgres"):
            spent = sum(after[side][pid] - before[side].get(pid, 0.0) for pid in after[side])
            out[side] = round(spent * 1000 / max(1, requests), 1)
        return out


def numbers_under_concurrency(
    org: object, threads: int = 20, total: int = 1000
) -> dict[str, object]:
    from django.db import connection, transaction

    from digitaldesk.audit.services import audit_record
    from digitaldesk.documents.models import RegisterCounter
    from digitaldesk.documents.numbering import take_number

    unit = org.units["v5"]  # type: ignore[attr-defined]
    clerk = org.people["v5_vthu"]  # type: ignore[attr-defined]
    counter = RegisterCounter.objects.filter(unit=unit, register="di", year=2099).first()
    start = counter.last if counter else 0  # a kept database (--keep) continues the series
    taken: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker(count: int) -> None:
        barrier.wait()
        try:
            for _ in range(count):
                with transaction.atomic():
                    number = take_number(unit=unit, register="di", year=2099)
                    audit_record(
                        actor=clerk, action="documents.bench_number", detail={"number": number}
                    )
                with lock:
                    taken.append(number)
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(total // threads,)) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "numbers_distinct": len(set(taken)),
        "numbers_taken": len(taken),
        "numbers_consecutive": sorted(taken) == list(range(start + 1, start + total + 1)),
        "numbers_threads": threads,
        "numbers_total_s": round(seconds, 2),
    }


def signing_median(org: object, repeat: int = 10) -> dict[str, object]:
    from digitaldesk.documents import signing_bridge
    from digitaldesk.documents.demo import text_pdf
    from digitaldesk.signing import services as signing

    huong = org.people["huong"]  # type: ignore[attr-defined]
    signing.demo_issue_credential(actor=None, pin="123456", user=huong)
    paragraphs = [f"Trang {n}: " + " ".join(SUBJECTS) * 3 for n in range(1, 21)]
    pdf = text_pdf(paragraphs * 2)
    import pikepdf

    with pikepdf.open(__import__("io").BytesIO(pdf)) as handle:
        pages = len(handle.pages)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        signing_bridge.sign(pdf=pdf, signer=huong, kind="personal", passphrase="123456")
        times.append(time.perf_counter() - started)
    return {
        "sign_median_ms": round(statistics.median(times) * 1000, 1),
        "sign_pages": pages,
        "sign_repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument(
        "--repeat", type=int, default=200, help="requests per register or list page"
    )
    parser.add_argument(
        "--search-repeat", type=int, default=5, help="requests per search query and user (20 pairs)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data of a previous run with the same size"
    )
    args = parser.parse_args()
    rng = random.Random(2026)
    url = "postgres://postgres@127.0.0.1:5432/desk_bench_docs"
    data_dir = REPO / "var" / "bench-docs"
    # Persistent database connections (as in production and desk_load.py), so that the CPU time of
    # the PostgreSQL backends serving the pages can be read from them.
    env = desk_env(
        database_url=url,
        data_dir=data_dir,
        DESK_ALLOWED_HOSTS="127.0.0.1,localhost",
        DESK_DB_CONN_MAX_AGE="600",
    )
    stamp = data_dir / f"generated-{args.documents}"
    fresh = not (args.keep and stamp.exists())
    if fresh:
        recreate_postgres_db("desk_bench_docs")
        print("Tạo cơ sở dữ liệu…", flush=True)
    manage(["migrate", "--noinput"], env)  # with --keep: brings a kept database up to the code
    django_setup(env)
    from digitaldesk.accounts.demo import build_org
    from digitaldesk.core.demo import DemoOrg

    org = DemoOrg()
    build_org(org)
    if fresh:
        stamp.unlink(missing_ok=True)
        generated = time.monotonic()
        generate(args.documents, org, rng)
        generate_s = time.monotonic() - generated
        from digitaldesk.search import services as search

        indexed = time.monotonic()
        search.reindex()
        index_s = time.monotonic() - indexed
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        stamp.write_text("ok")
    else:
        generate_s = index_s = 0.0
    import httpx

    from digitaldesk.documents.models import IncomingDocument

    results: dict[str, object] = {
        "documents": IncomingDocument.objects.count(),
        "generate_s": round(generate_s, 1),
        "index_s": round(index_s, 1),
    }
    pages = {
        "register_page1": ("lan", "/van-ban/den/"),
        "register_page40": ("lan", "/van-ban/den/?trang=40"),
        "register_filter_type": ("lan", "/van-ban/den/?loai=ke_hoach&nam=2025"),
        "handler_list": ("minh", "/van-ban/den/"),
        "leader_register": ("huong", "/van-ban/den/?trang_thai=dang_xu_ly"),
        "documents_home": ("minh", "/van-ban/"),
        "outgoing_register": ("lan", "/van-ban/di/"),
    }
    with GunicornServer(env, workers=2, threads=4, health_path="/healthz") as server:
        clients = {
            key: httpx.Client(
                base_url=server.url,
                timeout=30,
                cookies={"sessionid": session_cookie(org.people[key])},
            )
            for key in {p[0] for p in pages.values()}
        }
        cpu = ServerCpu(server, "desk_bench_docs")
        all_latencies: list[float] = []
        cpu_total = {"django": 0.0, "postgres": 0.0}
        for name, (who, path) in pages.items():
            measure(clients[who], path, 5)  # warm-up
            before = cpu.snapshot()
            latencies = measure(clients[who], path, args.repeat)
            spent = ServerCpu.per_request_ms(before, cpu.snapshot(), len(latencies))
            all_latencies.extend(latencies)
            for side in cpu_total:
                cpu_total[side] += spent[side] * len(latencies)
            results[f"{name}_p95_ms"] = round(percentile(latencies, 95) * 1000, 1)
            results[f"{name}_p50_ms"] = round(percentile(latencies, 50) * 1000, 1)
            results[f"{name}_cpu_ms"] = round(spent["django"] + spent["postgres"], 1)
            results[f"{name}_cpu_django_ms"] = spent["django"]
            results[f"{name}_cpu_postgres_ms"] = spent["postgres"]
            print(
                f"  {name}: p95 {results[f'{name}_p95_ms']} ms, p50 "
                f"{results[f'{name}_p50_ms']} ms, CPU {spent['django']} + {spent['postgres']} "
                "ms/request (Django + PostgreSQL)",
                flush=True,
            )
        results["p95_ms"] = round(percentile(all_latencies, 95) * 1000, 1)
        results["p50_ms"] = round(percentile(all_latencies, 50) * 1000, 1)
        results["cpu_ms"] = round(sum(cpu_total.values()) / len(all_latencies), 1)
        results["cpu_django_ms"] = round(cpu_total["django"] / len(all_latencies), 1)
        results["cpu_postgres_ms"] = round(cpu_total["postgres"] / len(all_latencies), 1)
        search_latencies: list[float] = []
        search_paths = [
            (who, f"/van-ban/tim-kiem/?q={query}") for who in ("lan", "minh") for query in QUERIES
        ]
        for who, path in search_paths:  # warm-up (the first search of a worker opens the index)
            measure(clients[who], path, 1)
        before = cpu.snapshot()
        for who, path in search_paths:
            search_latencies.extend(measure(clients[who], path, args.search_repeat))
        spent = ServerCpu.per_request_ms(before, cpu.snapshot(), len(search_latencies))
        results["search_p95_ms"] = round(percentile(search_latencies, 95) * 1000, 1)
        results["search_p50_ms"] = round(percentile(search_latencies, 50) * 1000, 1)
        results["search_requests"] = len(search_latencies)
        results["search_cpu_ms"] = round(spent["django"] + spent["postgres"], 1)
        results["search_cpu_django_ms"] = spent["django"]
        results["search_cpu_postgres_ms"] = spent["postgres"]
        print(
            f"  search: p95 {results['search_p95_ms']} ms, CPU {spent['django']} + "
            f"{spent['postgres']} ms/request",
            flush=True,
        )
        for client in clients.values():
            client.close()
    results.update(numbers_under_concurrency(org))
    results.update(signing_median(org))
    path = write_results("documents", results)
    print(f"Kết quả: {path}")
    for key, value in results.items():
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
