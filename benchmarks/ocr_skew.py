"""How skew affects the desk's OCR (docs/ocr.md, "Skewed scans"). A measurement, not a timed test.

    nice .venv/bin/python -m benchmarks.ocr_skew                 # ~6 min on an idle 2-CPU machine
    nice .venv/bin/python -m benchmarks.ocr_skew --pages 1 --angles 0,5,-5 --no-write  # quick look

The same 300-dpi A4 pages of Vietnamese legal text (`ocr.samples.sample_pages`, ground truth from
../shared/data/legal), with scan-like noise, turned by each angle of `--angles` (degrees
counter-clockwise, both directions), one scanned PDF per angle (a JPEG per page, as scanners make
them), read by the desk's pipeline in this process (`ocr.services.extract_pages`: the scan image out
of the PDF, Tesseract `vie`, the deskew step, both cores). Twice: as configured (the deskew step on,
`DESK_OCR_DESKEW_DEGREES`) and with the deskew step off (what Tesseract alone makes of the skewed
page), so one run shows both.

Per angle:
- `cer_pct_by_degrees`: character error rate (%) of the page text against what was drawn
  (`ocr.samples.cer`), mean of the pages;
- `highlight_hit_pct_by_degrees`: of the words drawn (3 characters or more), the share that a
  highlight would cover on the image as stored: an OCR word with the same text whose box
  (`PageText.words`, fractions of the stored image) overlaps the box the word was drawn in by an
  intersection over union of 0.5 or more;
- `misplaced_box_pct_by_degrees`: of the OCR words whose text was drawn on the page, the share whose
  box overlaps none of the places that word was drawn (IoU under 0.3): a highlight in the wrong
  place;
- `skew_measured_degrees_by_degrees`: the skew the pipeline recorded (`PageText.skew`), mean;
- `tesseract_passes_per_page_by_degrees`, `cpu_seconds_per_page_by_degrees` (this process and its
  Tesseract children: other work on the machine barely changes it).
Writes benchmarks/results/ocr_skew.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, desk_env, django_setup, write_results

BENCH_DIR = REPO / "var" / "bench-ocr-skew"
ANGLES = [0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 7, -7, 10, -10]


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_figures(
    drawn: list[tuple[str, float, float, float, float]], read: list[Any]
) -> tuple[int, int, int, int]:
    """(words drawn that a highlight covers, words drawn of 3+ characters, OCR boxes in the wrong
    place, OCR words whose text was drawn)."""
    places: dict[str, list[tuple[float, ...]]] = {}
    for text, *box in drawn:
        places.setdefault(_norm(text), []).append(tuple(box))
    found: dict[str, list[tuple[float, ...]]] = {}
    misplaced = checked = 0
    for word in read:
        key = _norm(word.text)
        if key not in places:
            continue
        box = (word.x0, word.y0, word.x1, word.y1)
        found.setdefault(key, []).append(box)
        checked += 1
        if max(_iou(box, place) for place in places[key]) < 0.3:
            misplaced += 1
    wanted = [(_norm(text), tuple(box)) for text, *box in drawn if len(text) >= 3]
    covered = sum(
        1 for key, place in wanted if any(_iou(place, box) >= 0.5 for box in found.get(key, []))
    )
    return covered, len(wanted), misplaced, checked


class CountingEngine:
    """The desk's Tesseract engine, counting its Tesseract passes (instrumentation only)."""

    def __init__(self) -> None:
        from digitaldesk.ocr.engines import TesseractEngine

        outer = self
        self.passes = 0
        self.lock = threading.Lock()

        class Counting(TesseractEngine):
            def read(self, *args: Any, **kwargs: Any) -> Any:
                with outer.lock:
                    outer.passes += 1
                return super().read(*args, **kwargs)

        self.engine = Counting()


def measure(
    angles: list[float], pages: int, *, deskew: bool, work: Path
) -> dict[str, dict[str, float]]:
    from django.conf import settings

    from digitaldesk.ocr.deskew import threshold_degrees
    from digitaldesk.ocr.samples import cer, sample_pages, save_pdf
    from digitaldesk.ocr.services import extract_pages

    configured = getattr(settings, "OCR_DESKEW_DEGREES", None)
    settings.OCR_DESKEW_DEGREES = threshold_degrees() if deskew else 0
    figures: dict[str, dict[str, float]] = {
        k: {}
        for k in (
            "cer_pct",
            "highlight_hit_pct",
            "misplaced_box_pct",
            "skew_measured_degrees",
            "tesseract_passes_per_page",
            "cpu_seconds_per_page",
        )
    }
    try:
        for angle in angles:
            sheets = list(sample_pages(pages, seed=11, skew_degrees=angle))
            pdf = save_pdf([s.image for s in sheets], work / f"skew{angle:+g}.pdf", dpi=300)
            counter = CountingEngine()
            cpu = _cpu()
            read = extract_pages(pdf, engine=counter.engine)
            used = _cpu() - cpu
            assert all(p.ok for p in read), [p.error for p in read]
            covered = wanted = misplaced = checked = 0
            for sheet, page in zip(sheets, read, strict=True):
                c, w, m, k = box_figures(sheet.words, page.words)
                covered, wanted, misplaced, checked = (
                    covered + c,
                    wanted + w,
                    misplaced + m,
                    checked + k,
                )
            key = f"{angle:g}"
            figures["cer_pct"][key] = round(
                statistics.mean(cer(s.text, p.text) for s, p in zip(sheets, read, strict=True))
                * 100,
                3,
            )
            figures["highlight_hit_pct"][key] = round(100 * covered / max(1, wanted), 1)
            figures["misplaced_box_pct"][key] = round(100 * misplaced / max(1, checked), 2)
            figures["skew_measured_degrees"][key] = round(
                statistics.mean(getattr(p, "skew", 0.0) for p in read), 2
            )
            figures["tesseract_passes_per_page"][key] = round(counter.passes / len(read), 2)
            figures["cpu_seconds_per_page"][key] = round(used / len(read), 3)
            print(
                f"  {'deskew' if deskew else 'no deskew'} {angle:+5g}°: CER "
                f"{figures['cer_pct'][key]:6.3f} %, highlights "
                f"{figures['highlight_hit_pct'][key]:5.1f} %, misplaced "
                f"{figures['misplaced_box_pct'][key]:5.2f} %, skew "
                f"{figures['skew_measured_degrees'][key]:+6.2f}°, "
                f"{figures['tesseract_passes_per_page'][key]:.1f} passes, "
                f"{figures['cpu_seconds_per_page'][key]:.2f} CPU s/page (load "
                f"{os.getloadavg()[0]:.1f})",
                flush=True,
            )
    finally:
        if configured is None:
            del settings.OCR_DESKEW_DEGREES
        else:
            settings.OCR_DESKEW_DEGREES = configured
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pages", type=int, default=3, help="pages per angle (the same text at every angle)"
    )
    parser.add_argument(
        "--angles",
        default=",".join(f"{a:g}" for a in ANGLES),
        help="comma-separated skews in degrees, counter-clockwise positive",
    )
    parser.add_argument(
        "--without-deskew-only",
        action="store_true",
        help="only the pipeline with the deskew step off (nothing written)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the figures, do not write the JSON"
    )
    args = parser.parse_args()
    angles = [float(a) for a in args.angles.split(",")]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = desk_env(
        database_url=f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}", data_dir=BENCH_DIR / "data"
    )
    django_setup(env)
    from digitaldesk.ocr.deskew import threshold_degrees

    work = BENCH_DIR / "pages"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    start = time.perf_counter()
    results: dict[str, Any] = {
        "pages_per_angle": args.pages,
        "angles_degrees": angles,
        "deskew_threshold_degrees": threshold_degrees(),
    }
    off = measure(angles, args.pages, deskew=False, work=work)
    on = measure(angles, args.pages, deskew=True, work=work) if not args.without_deskew_only else {}
    for name, values in on.items():
        results[f"{name}_by_degrees"] = values
    for name, values in off.items():
        results[f"{name}_by_degrees_without_deskew"] = values
    results["total_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    if not args.no_write and not args.without_deskew_only:
        print(f"-> {write_results('ocr_skew', results)}")


if __name__ == "__main__":
    main()
