"""Benchmark of case-file digitisation (docs/casefiles.md, docs/ocr.md, docs/search.md).

    nice .venv/bin/python -m benchmarks.casefiles             # everything (1,000,000 pages)
    nice .venv/bin/python -m benchmarks.casefiles --only ocr  # OCR per input kind (~10 min)
    nice .venv/bin/python -m benchmarks.casefiles --index-pages 100000 # a smaller search index

1. OCR (benchmarks/casefiles_ocr.py, issue #16): every input kind an office produces (colour
   and greyscale JPEG-in-PDF, PNG, multi-page TIFF, a born-digital PDF with scanned pages,
   skewed 0-3 degrees) through the case-file jobs with a real `desk worker`, against raw
   `tesseract -l vie` (two processes, greyscale PNG pages) and `ocrmypdf -l vie --jobs 2
   --output-type pdf`; three alternating rounds, medians, CPU seconds per page, CER per kind,
   load average (keys `ocr_kinds`, `ratio_jobs_vs_tesseract`, `ocrmypdf`).
2. Search: 1,000,000 pages of Vietnamese legal prose (sentences of BLHS/BLTTHS shuffled, ~12 a
   page) in 2,000 case files, indexed into a tantivy index through the desk's own engine; then
   the desk's `search.services.search` (freshness check, ACL filter, BM25 top 20, snippets) for
   16 queries × 3 callers (a prosecutor who sees 25 cases, a unit leader who sees 400, one case
   file with volume filter), 10 rounds: p95.
3. Jump to bút lục N in presentation mode: a real gunicorn server, the presenter page in
   chromium, 60 jumps to random bút lục typed into the box: time from the Enter key to the page
   image drawn on screen (the next animation frame after the new image is in the DOM), p95.
Writes benchmarks/results/casefiles.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    REPO,
    GunicornServer,
    desk_env,
    django_setup,
    manage,
    percentile,
    write_results,
)

BENCH_DIR = Path(os.environ.get("DESK_BENCH_DIR") or REPO / "var" / "bench-casefiles")


# --- 1. OCR ---------------------------------------------------------------------------------
def _cpu_self_and_children() -> float:
    import resource

    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_cpu(pgid: int) -> float:
    """CPU seconds of every process of the process group `pgid` (a worker and its job
    processes), with the finished children they reaped (Tesseract, qpdf…)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def _bench_casefile(title: str) -> tuple[Any, Any]:
    """The benchmark's case file (a case in Phòng 2 with Minh assigned) and Minh."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from digitaldesk.accounts.demo import build_org
    from digitaldesk.casefiles import services
    from digitaldesk.casefiles.models import CaseFile
    from digitaldesk.cases.models import Case, CaseAssignment
    from digitaldesk.core.demo import DemoOrg

    demo = DemoOrg()
    build_org(demo)
    minh = get_user_model().objects.get(username="minh.ksv")
    casefile = CaseFile.objects.filter(title=title).first()
    if casefile is None:
        case = Case.objects.create(
            unit=demo.units["tinh_p2"],
            source="tin_bao",
            name="Vụ án đo hiệu năng",
            received_on=dt.date(2026, 1, 5),
        )
        CaseAssignment.objects.create(case=case, user=minh)
        casefile = services.casefile_create(actor=minh, case=case, title=title)
    return casefile, minh


class _Worker:
    """`desk worker` (DESK_WORKERS job processes) in its own process group, as in production."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603  (fixed argv)
                [PYTHON, "-m", "digitaldesk.manage", "worker"],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while "Sẵn sàng nhận công việc" not in log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"desk worker did not start; see {log}")
            time.sleep(0.2)

    def cpu(self) -> float:
        """CPU seconds of the worker's whole process tree so far."""
        return _tree_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


OLD_OCR_KEYS = (
    "pages_per_min",
    "tesseract_pages_per_min",
    "ocrmypdf_pages_per_min",
    "ratio_vs_ocrmypdf",
    "ratio_vs_tesseract",
    "cer_tesseract",
    "cpu_seconds_per_page",
    "ratio_vs_tesseract_cpu",
    "core_utilisation",
    "ocr_seconds_all_runs",
    "pages_per_min_jobs",
    "ratio_jobs_vs_ocrmypdf",
    "cer_jobs",
    "ocr_pages",
)


def bench_ocr(
    pages_count: int,
    rounds: int,
    env: dict[str, str],
    kinds: list[str] | None = None,
    before_src: str = "",
    with_ocrmypdf: bool = True,
) -> dict[str, Any]:
    """benchmarks/casefiles_ocr.py: every input kind through the case-file jobs with a real
    worker, raw Tesseract and OCRmyPDF, alternating rounds."""
    from benchmarks import casefiles_ocr

    worker_env = {**env, "DESK_SEARCH_INDEX_DIR": str(BENCH_DIR / "jobs-search-index")}
    work = BENCH_DIR / "ocr"
    return casefiles_ocr.bench(
        work,
        pages_count,
        rounds,
        start_worker=lambda: _Worker(worker_env, BENCH_DIR / "worker.log"),
        casefile_and_user=lambda: _bench_casefile("Benchmark OCR"),
        cpu_now=_cpu_self_and_children,
        kinds=kinds,
        start_worker_before=(
            lambda: _Worker({**worker_env, "PYTHONPATH": before_src}, BENCH_DIR / "worker0.log")
        )
        if before_src
        else None,
        with_ocrmypdf=with_ocrmypdf,
    )


def bench_bulk(
    env: dict[str, str], file_pages: int, queue_files: int, queue_pages: int
) -> dict[str, Any]:
    """benchmarks/casefiles_ocr.py `bench_bulk`: one long case file, then a queue of case
    files, through a real worker."""
    from benchmarks import casefiles_ocr

    worker_env = {**env, "DESK_SEARCH_INDEX_DIR": str(BENCH_DIR / "jobs-search-index")}
    return casefiles_ocr.bench_bulk(
        BENCH_DIR / "ocr",
        file_pages,
        queue_files,
        queue_pages,
        start_worker=lambda: _Worker(worker_env, BENCH_DIR / "worker.log"),
        casefile_and_user=_bench_casefile,
        cpu_now=_cpu_self_and_children,
        processes=int(env["DESK_WORKERS"]),
    )


# --- 2. Search over a million pages ----------------------------------------------------------
QUERIES = [
    "bị can",
    "tạm giam",
    '"khởi tố vụ án"',
    "kiem sat vien",
    "quyết định phê chuẩn",
    '"biện pháp ngăn chặn"',
    "tài sản tham ô",
    "người làm chứng",
    "gia hạn thời hạn điều tra",
    '"Viện kiểm sát" hủy bỏ',
    "chiếm đoạt tài sản",
    "tòa án xét xử",
    "trả hồ sơ điều tra bổ sung",
    "hình phạt tù",
    '"dữ liệu điện tử"',
    "ma túy",
]


def _sentences() -> list[str]:
    import re

    from digitaldesk.ocr.samples import legal_paragraphs

    out: list[str] = []
    for para in legal_paragraphs():
        out.extend(
            s.strip()
            for s in re.split(r"(?<=[.;:])\s+", para.replace("\n", " "))
            if len(s.strip()) > 30
        )
    return out


def bench_search(total_pages: int, casefiles: int = 2000) -> dict[str, Any]:
    from django.core.management import call_command

    from digitaldesk.search import services
    from digitaldesk.search.engine import IndexDoc, get_index

    call_command("migrate", verbosity=0)
    index_path = Path(os.environ["DESK_SEARCH_INDEX_DIR"])
    idx = get_index(index_path)
    rng = random.Random(5)
    sentences = _sentences()
    pages_per_file = total_pages // casefiles
    start = time.perf_counter()
    if idx.searcher().num_docs != total_pages:
        with idx.writer(wait_seconds=10, heap_mb=512, threads=2) as writer:
            writer.delete_all_documents()
            batch: list[IndexDoc] = []
            for cf in range(1, casefiles + 1):
                for bl in range(1, pages_per_file + 1):
                    body = " ".join(rng.choice(sentences) for _ in range(12))
                    batch.append(
                        IndexDoc(
                            kind="casefile.page",
                            key=f"{cf}-{bl}",
                            title=f"Bút lục {bl}",
                            body=body,
                            acl=[f"case:{cf}"],
                            fields={
                                "case_id": cf,
                                "casefile_id": cf,
                                "volume_id": cf * 10 + bl // 300,
                                "but_luc": bl,
                            },
                            unit_id=cf % 40,
                        )
                    )
                    if len(batch) >= 5000:
                        idx.write(writer, batch, [], replace=False)
                        batch = []
                if cf % 200 == 0:
                    print(
                        f"  indexed {cf * pages_per_file} pages, "
                        f"{time.perf_counter() - start:.0f} s",
                        flush=True,
                    )
            idx.write(writer, batch, [], replace=False)
            writer.commit()
    index_seconds = time.perf_counter() - start
    size_mb = sum(f.stat().st_size for f in index_path.iterdir() if f.is_file()) / 1024**2
    callers = {
        "prosecutor_25_cases": ({"acl": [f"case:{i}" for i in range(1, 26)]}),
        "leader_400_cases": ({"acl": [f"case:{i}" for i in range(1, 401)]}),
        "one_casefile_volume": (
            {"acl": ["case:7"], "filters": {"casefile_id": 7, "volume_id": 70}}
        ),
    }
    latencies: list[float] = []
    per_caller: dict[str, list[float]] = {k: [] for k in callers}
    for q in QUERIES:  # warm-up
        services.search(q, acl=["case:1"], kinds=["casefile.page"])
    for _round in range(10):
        for name, kwargs in callers.items():
            for q in QUERIES:
                t0 = time.perf_counter()
                result = services.search(q, kinds=["casefile.page"], limit=20, **kwargs)
                elapsed = (time.perf_counter() - t0) * 1000
                assert result.hits or result.total == 0
                latencies.append(elapsed)
                per_caller[name].append(elapsed)
    return {
        "search_pages": total_pages,
        "search_index_seconds": round(index_seconds, 1),
        "search_index_mb": round(size_mb, 1),
        "search_p50_ms": round(percentile(latencies, 50), 1),
        "search_p95_ms": round(percentile(latencies, 95), 1),
        "search_max_ms": round(max(latencies), 1),
        "search_p95_ms_by_caller": {k: round(percentile(v, 95), 1) for k, v in per_caller.items()},
    }


# --- 3. Jump to bút lục N ---------------------------------------------------------------------
def bench_jump(env: dict[str, str], pages: int = 120, jumps: int = 60) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from digitaldesk.accounts.demo import DEMO_PASSWORD, build_org
    from digitaldesk.casefiles import processing, services
    from digitaldesk.casefiles.models import CaseFile, Page, UploadState
    from digitaldesk.cases.models import Case, CaseAssignment
    from digitaldesk.core.demo import DemoOrg
    from digitaldesk.ocr.samples import legal_paragraphs, render_page

    demo = DemoOrg()
    build_org(demo)
    minh = get_user_model().objects.get(username="minh.ksv")
    casefile = CaseFile.objects.filter(title="Benchmark jump").first()
    if casefile is None:
        import datetime as dt

        case = Case.objects.create(
            unit=demo.units["tinh_p2"],
            source="tin_bao",
            name="Vụ án đo hiệu năng",
            received_on=dt.date(2026, 1, 5),
        )
        CaseAssignment.objects.create(case=case, user=minh)
        casefile = services.casefile_create(actor=minh, case=case, title="Benchmark jump")
        texts = list(legal_paragraphs(limit=pages))
        images = [
            render_page(t, seed=i, dpi=150, noise=0.004, header=f"Bút lục {i + 1}").image
            for i, t in enumerate(texts)
        ]
        buffer = io.BytesIO()
        images[0].save(
            buffer, "PDF", resolution=150, save_all=True, append_images=images[1:], quality=80
        )
        size = buffer.tell()
        buffer.seek(0)
        upload = services.upload_file(
            actor=minh, casefile=casefile, volume=None, fileobj=buffer, name="tap-1.pdf", size=size
        )
        processing.prepare(upload.pk)
        # The OCR job renders each page's viewer image as it goes; the benchmark renders them
        # directly (OCR itself is measured above).
        for page in Page.objects.filter(upload=upload):
            processing.render_view_image(page)
        Page.objects.filter(upload=upload).update(state="done")
        type(upload).objects.filter(pk=upload.pk).update(state=UploadState.DONE)
    from playwright.sync_api import sync_playwright

    timings: list[float] = []
    with GunicornServer(env, workers=2, threads=4) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(base_url=server.url, viewport={"width": 1366, "height": 900})
        page.goto("/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("minh.ksv")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"/ho-so-so/{casefile.pk}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Trình chiếu tại phiên tòa").click()
        page.wait_for_selector('#stage[data-shown="1"] svg image')
        rng = random.Random(3)
        for _ in range(jumps):
            target = rng.randint(2, pages)
            page.locator("#p-bl").fill(str(target))
            ms = page.evaluate(
                """(target) => new Promise((resolve) => {
                const start = performance.now();
                const stage = document.getElementById('stage');
                const done = () => requestAnimationFrame(
                  () => requestAnimationFrame(() => resolve(performance.now() - start)));
                const obs = new MutationObserver(() => {
                  if (stage.dataset.shown === String(target)) { obs.disconnect(); done(); }
                });
                obs.observe(stage, { attributes: true, childList: true });
                document.getElementById('p-go').requestSubmit();
              })""",
                target,
            )
            timings.append(float(ms))
        browser.close()
    return {
        "jump_pages": pages,
        "jump_count": jumps,
        "jump_p50_ms": round(percentile(timings, 50), 1),
        "jump_p95_ms": round(percentile(timings, 95), 1),
        "jump_max_ms": round(max(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["ocr", "bulk", "search", "jump"], action="append")
    parser.add_argument("--ocr-pages", type=int, default=6, help="pages per input kind")
    parser.add_argument("--ocr-rounds", type=int, default=3, help="alternating rounds (medians)")
    parser.add_argument(
        "--before-src",
        help="the src/ folder of an earlier version: its jobs measured in the same rounds",
    )
    parser.add_argument(
        "--ocr-kinds", help="development: these input kinds only (comma-separated), nothing written"
    )
    parser.add_argument(
        "--ocr-out",
        help="with --ocr-kinds: also write the figures to benchmarks/results/<OCR_OUT>.json "
        "(never casefiles.json: a partial run)",
    )
    parser.add_argument(
        "--no-ocrmypdf",
        action="store_true",
        help="crowded machine: OCRmyPDF not run, its previous figures kept",
    )
    parser.add_argument("--bulk-pages", type=int, default=500, help="pages of the long file")
    parser.add_argument("--bulk-files", type=int, default=20, help="case files in the queue")
    parser.add_argument("--bulk-file-pages", type=int, default=6, help="pages of each")
    parser.add_argument("--index-pages", type=int, default=1_000_000)
    args = parser.parse_args()
    # Stopped with SIGTERM, the benchmark still stops the worker it started (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    parts = set(args.only or ["ocr", "bulk", "search", "jump"])
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = desk_env(
        database_url=f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}",
        data_dir=BENCH_DIR / "data",
        DESK_SEARCH_INDEX_DIR=str(BENCH_DIR / "search-index"),
        DESK_WORKERS="2",
    )
    manage(["migrate", "--noinput"], env)
    django_setup(env)
    results_path = REPO / "benchmarks" / "results" / "casefiles.json"
    results: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {}
    if args.ocr_kinds:
        kinds = args.ocr_kinds.split(",")
        partial = bench_ocr(
            args.ocr_pages,
            args.ocr_rounds,
            env,
            kinds,
            args.before_src or "",
            with_ocrmypdf=not args.no_ocrmypdf,
        )
        print(json.dumps(partial, indent=1))
        if args.ocr_out and args.ocr_out != "casefiles":
            print(f"-> {write_results(args.ocr_out, partial)}")
        return
    if "ocr" in parts:
        print("OCR…", flush=True)
        for key in OLD_OCR_KEYS:
            results.pop(key, None)
        results.update(
            bench_ocr(
                args.ocr_pages,
                args.ocr_rounds,
                env,
                before_src=args.before_src or "",
                with_ocrmypdf=not args.no_ocrmypdf,
            )
        )
    if "bulk" in parts:
        print("Bulk…", flush=True)
        results.pop("bulk_note", None)  # a note on an earlier, smaller run
        results.update(bench_bulk(env, args.bulk_pages, args.bulk_files, args.bulk_file_pages))
        results["bulk_measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    if "search" in parts:
        print("Search…", flush=True)
        results.update(bench_search(args.index_pages))
    if "jump" in parts:
        print("Jump…", flush=True)
        results.update(bench_jump(env))
    results.pop("machine", None)
    results.pop("measured_at", None)
    path = write_results("casefiles", results)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
