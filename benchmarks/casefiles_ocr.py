"""Case-file digitisation as users get it, against raw Tesseract and OCRmyPDF (issue #16).

    nice .venv/bin/python -m benchmarks.casefiles --only ocr  # writes results/casefiles.json

Inputs, one of each kind an office produces, generated here (no download): pages of Vietnamese
legal prose (BLTTHS/BLHS from the legal corpus) set in Liberation Serif at 300 dpi on A4 with
scan-like noise, each page skewed by an angle between 0 and 3 degrees either way:

    jpeg_pdf_colour  one PDF of colour JPEG pages (a multifunction scanner's PDF)
    jpeg_pdf_grey    one PDF of greyscale JPEG pages
    png              one greyscale PNG file per page (each its own upload)
    tiff             one multi-page bilevel TIFF, CCITT G4 (a document scanner's archive format)
    mixed_pdf        one PDF of born-digital pages (text set with a font, reportlab) with
                     scanned greyscale JPEG pages between them

Methods, alternating over `rounds` rounds (each round starts with the next method):

    tesseract  the limit: `tesseract PAGE.png out -l vie --dpi 300`, two processes side by side
               (OMP_THREAD_LIMIT=1), on greyscale PNG pages of the same pages (a born-digital
               page rendered by pdftoppm at 300 dpi beforehand)
    jobs       the case-file job path: the file(s) uploaded into a case file
               (`casefiles.services.upload_file`), read by a real `desk worker` (django-q2 with
               two job processes, as `desk serve` runs it), from the upload stored to every
               upload done (pages stored, indexed, viewer images, the searchable PDF/A)
    ocrmypdf   `ocrmypdf -l vie --jobs 2 --output-type pdf` with its default flags, on the
               colour JPEG PDF

Figures: median wall seconds → pages per minute, CPU seconds per page (median; the process and
its children, or the worker's whole process tree: robust to other load on the shared machine),
the load average at each run, the character error rate (CER, %) against the text drawn.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

KINDS = ["jpeg_pdf_colour", "jpeg_pdf_grey", "png", "tiff", "mixed_pdf"]
# Skews 0-3 degrees (counter-clockwise positive). Clockwise, raw Tesseract drops most of a page
# from about 2.5 degrees on (CER 72 % at -3: docs/ocr.md, "Skewed scans"), and so "reads" it
# faster by reading nothing; clockwise skews here stop at 2.1 degrees so that both read the
# same text (the figure for a -3 degree page is given apart, docs/casefiles.md).
SKEWS = [0.0, 1.2, -2.1, 3.0, -0.6, 2.4, -1.5, 0.4]
OCRMYPDF_KIND = "jpeg_pdf_colour"
OCRMYPDF_FLAGS = ["-l", "vie", "--jobs", "2", "--output-type", "pdf"]


@dataclass
class KindInput:
    name: str
    uploads: list[Path]  # the file(s) uploaded for this kind
    pngs: list[Path]  # greyscale PNG pages for raw Tesseract, same pages
    truth: list[str]  # text of each page, in order
    born_digital: list[int] = field(default_factory=list)  # 1-based pages that are not scans


def _colour(grey: Image.Image) -> Image.Image:
    """A colour scan of a white sheet: the grey page on slightly warm paper, as a colour scanner
    delivers it (three channels, not three copies of one)."""
    r = grey.point(lambda v: min(255, v + 4))
    g = grey.point(lambda v: max(0, v - 2))
    b = grey.point(lambda v: max(0, v - 12))
    return Image.merge("RGB", (r, g, b))


def _born_digital_page(text: str, path: Path) -> None:
    """One A4 page with `text` set in Liberation Serif 12 pt (reportlab, font embedded)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from digitaldesk.ocr.samples import _FONT_CANDIDATES

    font = next(p for p in _FONT_CANDIDATES if Path(p).exists())
    if "Serif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Serif", font))
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Serif", 12)
    y = A4[1] - 72
    for line in text.splitlines():
        page.drawString(72, y, line)
        y -= 16
    page.showPage()
    page.save()


def _merge_pdfs(parts: list[Path], out: Path) -> None:
    import pikepdf

    merged = pikepdf.new()
    opened = [pikepdf.open(p) for p in parts]
    try:
        for doc in opened:
            merged.pages.extend(doc.pages)
        merged.save(out)
    finally:
        for doc in opened:
            doc.close()


def make_inputs(work: Path, pages: int, kinds: list[str] | None = None) -> dict[str, KindInput]:
    """Every kind's files (or `kinds`') and the same pages as greyscale PNG for raw Tesseract."""
    from digitaldesk.ocr.samples import legal_paragraphs, render_page

    texts = list(legal_paragraphs(limit=40))
    inputs: dict[str, KindInput] = {}
    for k, kind in enumerate(KINDS):
        if kinds is not None and kind not in kinds:
            continue
        folder = work / kind
        folder.mkdir(parents=True)
        sheets, truth, pngs, born = [], [], [], []
        for n in range(pages):
            text = texts[(k * pages + n) % len(texts)]
            skew = SKEWS[(k + n) % len(SKEWS)]
            if kind == "mixed_pdf" and n % 2 == 0:
                lines = [w for w in text.replace("\n", " ").split(" ") if w]
                body, line = [], ""
                for word in lines:
                    if len(line) + len(word) > 80:
                        body.append(line)
                        line = word
                    else:
                        line = f"{line} {word}".strip()
                body.append(line)
                drawn = "\n".join(body[:44])
                pdf = folder / f"digital-{n + 1:02d}.pdf"
                _born_digital_page(drawn, pdf)
                sheets.append(pdf)
                truth.append(drawn)
                born.append(n + 1)
                base = folder / f"page-{n + 1:02d}"
                subprocess.run(  # noqa: S603
                    ["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(pdf), str(base)],  # noqa: S607
                    check=True,
                )
                pngs.append(base.with_suffix(".png"))
                continue
            sample = render_page(text, seed=100 + k * pages + n, skew_degrees=skew, noise=0.01)
            image = sample.image.convert("L")
            if kind == "jpeg_pdf_colour":
                image = _colour(image)
            elif kind == "tiff":
                image = image.point(lambda v: 255 if v > 150 else 0).convert("1")
            sheets.append(image)
            truth.append(sample.text)
            png = folder / f"page-{n + 1:02d}.png"
            image.convert("L").save(png, dpi=(300, 300))
            pngs.append(png)
        uploads: list[Path] = []
        if kind in ("jpeg_pdf_colour", "jpeg_pdf_grey"):
            out = folder / f"{kind}.pdf"
            sheets[0].save(
                out, "PDF", resolution=300, save_all=True, append_images=sheets[1:], quality=85
            )
            uploads = [out]
        elif kind == "png":
            uploads = pngs
        elif kind == "tiff":
            out = folder / "scan.tif"
            sheets[0].save(
                out, compression="group4", save_all=True, append_images=sheets[1:], dpi=(300, 300)
            )
            uploads = [out]
        else:
            parts = []
            for n, sheet in enumerate(sheets):
                if isinstance(sheet, Path):
                    parts.append(sheet)
                else:
                    part = folder / f"scan-{n + 1:02d}.pdf"
                    sheet.save(part, "PDF", resolution=300, quality=85)
                    parts.append(part)
            out = folder / "mixed.pdf"
            _merge_pdfs(parts, out)
            uploads = [out]
        inputs[kind] = KindInput(kind, uploads, pngs, truth, born)
    return inputs


# --- the methods ----------------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    cpu: float
    texts: list[str]
    load: float


def raw_tesseract(item: KindInput, work: Path, cpu_now: Callable[[], float]) -> Run:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = work / "raw" / item.name
    out.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> str:
        base = out / path.stem
        subprocess.run(  # noqa: S603
            ["tesseract", str(path), str(base), "-l", "vie", "--dpi", "300"],  # noqa: S603,S607
            env=env,
            capture_output=True,
            check=True,
        )
        return base.with_suffix(".txt").read_text(encoding="utf-8")

    cpu, start = cpu_now(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = list(pool.map(one, item.pngs))
    return Run(time.perf_counter() - start, cpu_now() - cpu, texts, os.getloadavg()[0])


def ocrmypdf(item: KindInput, work: Path, cpu_now: Callable[[], float]) -> Run:
    out = work / f"{item.name}.ocrmypdf.pdf"
    cpu, start = cpu_now(), time.perf_counter()
    subprocess.run(  # noqa: S603
        ["ocrmypdf", *OCRMYPDF_FLAGS, str(item.uploads[0]), str(out)],  # noqa: S603,S607
        capture_output=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    used = cpu_now() - cpu
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(out), "-"],  # noqa: S603,S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Run(seconds, used, [p for p in text.split("\f") if p.strip()], os.getloadavg()[0])


def _wait_queue_idle(seconds: float) -> None:
    from digitaldesk.jobs.services import queue_state

    idle_by = time.monotonic() + seconds
    while (
        any(queue_state()[k] for k in ("queued", "leased", "running"))
        and time.monotonic() < idle_by
    ):
        time.sleep(0.1)


def case_file_jobs(item: KindInput, casefile: Any, user: Any, tree_cpu: Callable[[], float]) -> Run:
    """Upload the kind's file(s) into the case file, wait until every upload is done."""
    from digitaldesk.casefiles import services
    from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState

    _wait_queue_idle(300)
    cpu = tree_cpu()
    start = time.perf_counter()
    uploads = []
    for path in item.uploads:
        with path.open("rb") as fh:
            uploads.append(
                services.upload_file(
                    actor=user,
                    casefile=casefile,
                    volume=None,
                    fileobj=io.BytesIO(fh.read()),
                    name=path.name,
                    size=path.stat().st_size,
                )
            )
    ids = [u.pk for u in uploads]
    deadline = time.perf_counter() + 1200
    while Upload.objects.filter(pk__in=ids).exclude(state=UploadState.DONE).exists():
        if time.perf_counter() > deadline:
            raise RuntimeError("the case-file jobs did not finish in 1200 s")
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    used = tree_cpu() - cpu
    rows = list(Page.objects.filter(upload_id__in=ids).order_by("upload_id", "number"))
    bad = [(r.number, r.error) for r in rows if r.state != PageState.DONE]
    assert not bad and len(rows) == len(item.truth), bad
    for upload in Upload.objects.filter(pk__in=ids):
        assert upload.searchable_pdf and Path(upload.searchable_pdf).exists(), upload.pk
    return Run(seconds, used, [r.text for r in rows], os.getloadavg()[0])


def _cer(truth: list[str], texts: list[str]) -> float:
    from digitaldesk.ocr.samples import cer

    return statistics.mean(cer(t, h) for t, h in zip(truth, texts, strict=True)) * 100


def bench(
    work: Path,
    pages: int,
    rounds: int,
    start_worker: Callable[[], Any],
    casefile_and_user: Callable[[], tuple[Any, Any]],
    cpu_now: Callable[[], float],
    kinds: list[str] | None = None,
    start_worker_before: Callable[[], Any] | None = None,
    with_ocrmypdf: bool = True,
) -> dict[str, Any]:
    """`start_worker_before`: a worker running an earlier version of the desk (its own
    PYTHONPATH), measured in the same rounds as method `jobs_before`. `with_ocrmypdf` False:
    OCRmyPDF is not run (5.7 CPU s a page; on a crowded machine), no `ocrmypdf` key."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    kinds = kinds or KINDS
    # Only the kinds measured (and the warm-up's and OCRmyPDF's input): a partial run on a
    # crowded machine does not render pages it never reads.
    wanted = {*kinds, "jpeg_pdf_grey", *([OCRMYPDF_KIND] if with_ocrmypdf else [])}
    inputs = make_inputs(work, pages, [k for k in KINDS if k in wanted])
    casefile, user = casefile_and_user()
    first = inputs["jpeg_pdf_grey"]
    warm_up = KindInput("warm_up", [first.uploads[0]], first.pngs, first.truth)
    runs: dict[str, dict[str, list[Run]]] = {
        "tesseract": {},
        "jobs": {},
        "ocrmypdf": {},
        "jobs_before": {},
    }

    def do_tesseract() -> None:
        for kind in kinds:
            runs["tesseract"].setdefault(kind, []).append(
                raw_tesseract(inputs[kind], work, cpu_now)
            )

    def jobs_with(name: str, start: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            worker = start()
            try:
                # A worker of `desk serve` runs for days: its job processes have imported the
                # desk and loaded the model long before a file comes. One page read first, not
                # counted, so each kind measures that steady state.
                case_file_jobs(warm_up, casefile, user, worker.cpu)
                for kind in kinds:
                    runs[name].setdefault(kind, []).append(
                        case_file_jobs(inputs[kind], casefile, user, worker.cpu)
                    )
                # The search sync queued by the last page finishes before the worker stops: a
                # job cut by the stop stays "running" until its lease runs out, and the next
                # worker's first measure would wait for it (up to 300 s).
                _wait_queue_idle(60)
            finally:
                worker.stop()

        return run

    def do_ocrmypdf() -> None:
        runs["ocrmypdf"].setdefault(OCRMYPDF_KIND, []).append(
            ocrmypdf(inputs[OCRMYPDF_KIND], work, cpu_now)
        )

    methods = [
        ("tesseract", do_tesseract),
        ("jobs", jobs_with("jobs", start_worker)),
    ]
    if with_ocrmypdf:
        methods.append(("ocrmypdf", do_ocrmypdf))
    if start_worker_before is not None:
        methods.append(("jobs_before", jobs_with("jobs_before", start_worker_before)))
    for index in range(rounds):
        shift = index % len(methods)
        for name, func in methods[shift:] + methods[:shift]:
            func()
            last = {k: v[-1] for k, v in runs[name].items()}
            print(
                f"  round {index + 1} {name}: "
                + ", ".join(f"{k} {r.seconds:.1f} s / {r.cpu:.1f} CPU s" for k, r in last.items())
                + f" (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )

    def median_seconds(method: str, kind: str) -> float:
        return statistics.median(r.seconds for r in runs[method][kind])

    def cpu_page(method: str, kind: str) -> float:
        return statistics.median(r.cpu for r in runs[method][kind]) / pages

    per_kind: dict[str, Any] = {}
    for kind in kinds:
        tess, jobs = median_seconds("tesseract", kind), median_seconds("jobs", kind)
        per_kind[kind] = {
            "pages": pages,
            "born_digital_pages": inputs[kind].born_digital,
            "tesseract_pages_per_min": round(60 * pages / tess, 1),
            "jobs_pages_per_min": round(60 * pages / jobs, 1),
            "ratio_jobs_vs_tesseract": round(tess / jobs, 3),
            "cpu_seconds_per_page": {
                "tesseract": round(cpu_page("tesseract", kind), 3),
                "jobs": round(cpu_page("jobs", kind), 3),
            },
            "ratio_jobs_vs_tesseract_cpu": round(
                cpu_page("tesseract", kind) / cpu_page("jobs", kind), 3
            ),
            "cer_jobs": round(_cer(inputs[kind].truth, runs["jobs"][kind][-1].texts), 3),
            "cer_tesseract": round(_cer(inputs[kind].truth, runs["tesseract"][kind][-1].texts), 3),
            "seconds_all_runs": {
                m: [round(r.seconds, 2) for r in runs[m][kind]] for m in ("tesseract", "jobs")
            },
            "cpu_seconds_all_runs": {
                m: [round(r.cpu, 2) for r in runs[m][kind]] for m in ("tesseract", "jobs")
            },
            "load_average_1min": {
                m: [round(r.load, 2) for r in runs[m][kind]] for m in ("tesseract", "jobs")
            },
        }
        if start_worker_before is not None:
            before = median_seconds("jobs_before", kind)
            per_kind[kind]["before"] = {
                "jobs_pages_per_min": round(60 * pages / before, 1),
                "ratio_jobs_vs_tesseract": round(tess / before, 3),
                "cpu_seconds_per_page": round(cpu_page("jobs_before", kind), 3),
                "cer_jobs": round(_cer(inputs[kind].truth, runs["jobs_before"][kind][-1].texts), 3),
                "seconds_all_runs": [round(r.seconds, 2) for r in runs["jobs_before"][kind]],
                "cpu_seconds_all_runs": [round(r.cpu, 2) for r in runs["jobs_before"][kind]],
            }
    result: dict[str, Any] = {
        "ocr_pages_per_kind": pages,
        "ocr_rounds": rounds,
        "ocr_kinds": per_kind,
        "ratio_jobs_vs_tesseract": {k: v["ratio_jobs_vs_tesseract"] for k, v in per_kind.items()},
        "ratio_jobs_vs_tesseract_cpu": {
            k: v["ratio_jobs_vs_tesseract_cpu"] for k, v in per_kind.items()
        },
        "cer": {
            k: {"jobs": v["cer_jobs"], "tesseract": v["cer_tesseract"]} for k, v in per_kind.items()
        },
        "cer_unit": "percent",
        "load_average_1min_range": [
            round(
                min(r.load for m in ("tesseract", "jobs") for v in runs[m].values() for r in v), 1
            ),
            round(
                max(r.load for m in ("tesseract", "jobs") for v in runs[m].values() for r in v), 1
            ),
        ],
    }
    if not with_ocrmypdf:
        return result
    o_runs = runs["ocrmypdf"][OCRMYPDF_KIND]
    o_seconds = statistics.median(r.seconds for r in o_runs)
    result |= {
        "ocrmypdf": {
            "input": OCRMYPDF_KIND,
            "flags": " ".join(OCRMYPDF_FLAGS),
            "pages_per_min": round(60 * pages / o_seconds, 1),
            "cpu_seconds_per_page": round(statistics.median(r.cpu for r in o_runs) / pages, 3),
            "ratio_vs_tesseract": round(median_seconds("tesseract", OCRMYPDF_KIND) / o_seconds, 3),
            "ratio_jobs_vs_ocrmypdf": round(o_seconds / median_seconds("jobs", OCRMYPDF_KIND), 3),
            "cer": round(_cer(inputs[OCRMYPDF_KIND].truth, o_runs[-1].texts), 3)
            if len(o_runs[-1].texts) == pages
            else None,
            "seconds_all_runs": [round(r.seconds, 2) for r in o_runs],
            "load_average_1min": [round(r.load, 2) for r in o_runs],
        },
    }
    return result


# --- bulk: a long case file and a queue of case files -----------------------------------------
def _sched_ns(pgid: int) -> tuple[dict[int, int], int]:
    """Per thread of the process group `pgid`: nanoseconds on a CPU plus nanoseconds waiting
    for one (/proc/<pid>/task/<tid>/schedstat), and the group's job processes: the time the
    worker had work, whatever else the shared machine was running."""
    busy: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for task in (stat.parent / "task").iterdir():
                run, wait, _ = (task / "schedstat").read_text().split()
                busy[int(task.name)] = int(run) + int(wait)
        except (OSError, ValueError):
            continue
    return busy, len(busy)


def _repeat_pdf(source: Path, pages: int, out: Path) -> None:
    """A PDF of `pages` pages cycling through the pages of `source` (each page read for real)."""
    import pikepdf

    with pikepdf.open(source) as src, pikepdf.new() as merged:
        for n in range(pages):
            merged.pages.append(src.pages[n % len(src.pages)])
        merged.save(out)


@dataclass
class BulkRun:
    seconds: float
    cpu: float
    busy_fraction: float
    load: float
    first_page_seconds: float  # upload to the first page stored, indexed, searchable
    searchable_mid_run: bool  # a page read was found by search while later pages were not read
    progress_max_gap_seconds: float  # longest time the files' progress stood still
    file_seconds: list[float]  # per file, upload to done


def bulk_jobs(
    files: list[tuple[Path, Any]], user: Any, worker: Any, processes: int, probe: str
) -> BulkRun:
    """Upload each (file, case file) back to back, sample progress every 0.5 s until every
    upload is done.

    `probe`: a phrase on the first page of the first file, searched once while that file is
    partly read (a file searchable page by page as it goes)."""
    from django.db.models import Count, Q

    from digitaldesk.casefiles import selectors, services
    from digitaldesk.casefiles.models import Page, PageState, Upload, UploadState

    busy0, _ = _sched_ns(worker.proc.pid)
    cpu0, start = worker.cpu(), time.perf_counter()
    ids = []
    for path, casefile in files:
        with path.open("rb") as fh:
            ids.append(
                services.upload_file(
                    actor=user,
                    casefile=casefile,
                    volume=None,
                    fileobj=io.BytesIO(fh.read()),
                    name=path.name,
                    size=path.stat().st_size,
                ).pk
            )
    first_page = 0.0
    searchable_mid_run = False
    last_done, last_change, max_gap = -1, time.perf_counter(), 0.0
    while True:
        now = time.perf_counter()
        row = Page.objects.filter(upload_id__in=ids).aggregate(
            done=Count("id", filter=Q(state=PageState.DONE)), total=Count("id")
        )
        if row["done"] != last_done:
            max_gap = max(max_gap, now - last_change)
            last_done, last_change = row["done"], now
        if row["done"] and not first_page:
            first_page = now - start
        if not searchable_mid_run:
            first = Page.objects.filter(upload_id=ids[0])
            counts = first.aggregate(
                done=Count("id", filter=Q(state=PageState.DONE)), total=Count("id")
            )
            if 0 < counts["done"] < counts["total"]:
                hits = selectors.casefile_search(user, f'"{probe}"', casefile=files[0][1]).hits
                searchable_mid_run = ids[0] in {
                    Page.objects.get(pk=h.fields["page_id"]).upload_id for h in hits
                }
        if not Upload.objects.filter(pk__in=ids).exclude(state=UploadState.DONE).exists():
            break
        if now - start > 7200:
            raise RuntimeError("the bulk run did not finish in 2 hours")
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    used = worker.cpu() - cpu0
    busy1, _ = _sched_ns(worker.proc.pid)
    busy = sum(v - busy0.get(k, 0) for k, v in busy1.items()) / 1e9
    bad = Page.objects.filter(upload_id__in=ids).exclude(state=PageState.DONE).count()
    assert bad == 0, f"{bad} pages not read"
    per_file = [
        (u["finished_at"] - u["created_at"]).total_seconds()
        for u in Upload.objects.filter(pk__in=ids).values("created_at", "finished_at")
    ]
    return BulkRun(
        seconds,
        used,
        min(1.0, busy / (seconds * processes)),
        os.getloadavg()[0],
        first_page,
        searchable_mid_run,
        max_gap,
        per_file,
    )


def bench_bulk(
    work: Path,
    file_pages: int,
    queue_files: int,
    queue_pages: int,
    start_worker: Callable[[], Any],
    casefile_and_user: Callable[[str], tuple[Any, Any]],
    cpu_now: Callable[[], float],
    processes: int,
) -> dict[str, Any]:
    """One case file of `file_pages` pages, then a queue of `queue_files` case files of
    `queue_pages` pages each, through a real worker; raw Tesseract on the same pages of the
    queue right after (one run each: the long runs are not repeated)."""
    folder = work / "bulk"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = make_inputs(folder / "pages", 8, ["jpeg_pdf_grey"])["jpeg_pdf_grey"]
    big = folder / f"ho-so-{file_pages}-trang.pdf"
    _repeat_pdf(source.uploads[0], file_pages, big)
    queue = []
    for n in range(queue_files):
        path = folder / f"ho-so-{n + 1:02d}.pdf"
        _repeat_pdf(source.uploads[0], queue_pages, path)
        queue.append(path)
    probe = " ".join(source.truth[0].split()[:3])
    casefile, user = casefile_and_user("Benchmark OCR bulk")
    queue_casefiles = [
        casefile_and_user(f"Benchmark OCR queue {n + 1}")[0] for n in range(queue_files)
    ]
    worker = start_worker()
    try:
        warm = KindInput("warm_up", [source.uploads[0]], source.pngs, source.truth)
        case_file_jobs(warm, casefile, user, worker.cpu)
        one = bulk_jobs([(big, casefile)], user, worker, processes, probe)
        # A queue of case files: each its own case file, uploaded back to back.
        files = list(zip(queue, queue_casefiles, strict=True))
        qrun = bulk_jobs(files, user, worker, processes, probe)
    finally:
        worker.stop()
    pngs = [source.pngs[n % len(source.pngs)] for n in range(queue_files * queue_pages)]
    raw = raw_tesseract(KindInput("bulk_queue", [], pngs, []), folder, cpu_now)
    total = queue_files * queue_pages
    return {
        "bulk_file_pages": file_pages,
        # The issue asks for 500 pages; on a crowded shared machine fewer may be measured
        # (`bulk_file_pages` says how many): the key names the measure, not the size.
        "bulk_file_pages_per_min": round(60 * file_pages / one.seconds, 1),
        "bulk_file": {
            "pages": file_pages,
            "seconds": round(one.seconds, 1),
            "pages_per_min": round(60 * file_pages / one.seconds, 1),
            "cpu_seconds_per_page": round(one.cpu / file_pages, 3),
            "cores_busy_fraction": round(one.busy_fraction, 3),
            "first_page_searchable_seconds": round(one.first_page_seconds, 1),
            "searchable_page_by_page": one.searchable_mid_run,
            "progress_longest_still_seconds": round(one.progress_max_gap_seconds, 1),
            "load_average_1min": round(one.load, 2),
        },
        "bulk_queue_files": queue_files,
        "bulk_queue_pages_per_file": queue_pages,
        f"bulk_queue_{queue_files}_files_ratio": round(raw.seconds / qrun.seconds, 3),
        "bulk_queue": {
            "files": queue_files,
            "pages": total,
            "seconds": round(qrun.seconds, 1),
            "pages_per_min": round(60 * total / qrun.seconds, 1),
            "tesseract_seconds": round(raw.seconds, 1),
            "tesseract_pages_per_min": round(60 * total / raw.seconds, 1),
            "ratio_jobs_vs_tesseract": round(raw.seconds / qrun.seconds, 3),
            "cpu_seconds_per_page": {
                "jobs": round(qrun.cpu / total, 3),
                "tesseract": round(raw.cpu / total, 3),
            },
            "cores_busy_fraction": round(qrun.busy_fraction, 3),
            "first_page_searchable_seconds": round(qrun.first_page_seconds, 1),
            "searchable_page_by_page": qrun.searchable_mid_run,
            "progress_longest_still_seconds": round(qrun.progress_max_gap_seconds, 1),
            "file_done_seconds_after_upload": sorted(round(s, 1) for s in qrun.file_seconds),
            "load_average_1min": {"jobs": round(qrun.load, 2), "tesseract": round(raw.load, 2)},
        },
    }
