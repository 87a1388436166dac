"""This tree against an older commit, on the same machine and data, rounds alternating.

    python -m benchmarks.side_by_side --base-commit 199cec5            # desk load + register
    python -m benchmarks.side_by_side --base-commit 199cec5 --rounds 3

For issue #17's "no worse than before": the older commit is checked out (`git worktree`, detached)
under var/bench/base-<commit>, and each round runs, in an order that alternates:

- `benchmarks/desk_load.py --reuse-db --src <tree>`: 100 users on the desk home through gunicorn
  (p50/p95 ms, desk homes per second at saturation, ratio to /ping), both trees on the same
  `desk_bench` database (prepared by this tree's migrations and demo; the older code reads the
  columns it knows);
- `benchmarks/speed_devices.py --base <tree>` once, after the rounds: the register and desk pages
  in-process, median wall and CPU ms per page (its own rounds alternate).

Writes benchmarks/results/side_by_side.json with every round's figures, their medians per tree,
and the load average before and after each run (the machine's load moves both trees alike only
when the rounds alternate).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import REPO, write_results  # noqa: E402

KEYS = ("p50_ms", "p95_ms", "rps", "saturation_rps", "ratio_vs_trivial", "errors")


def checkout(commit: str) -> Path:
    tree = REPO / "var" / "bench" / f"base-{commit}"
    if not (tree / "src").is_dir():
        tree.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--detach", str(tree), commit],  # noqa: S607
            cwd=REPO,
            check=True,
        )
    return tree / "src"


def desk_load(src: Path | None, name: str, duration: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.desk_load", "--reuse-db", "--name", name]
    command += ["--duration", str(duration)]
    if src is not None:
        command += ["--src", str(src)]
    load_before = os.getloadavg()[0]
    subprocess.run(command, cwd=REPO, check=True)  # noqa: S603
    result = json.loads((REPO / "benchmarks" / "results" / f"{name}.json").read_text())
    (REPO / "benchmarks" / "results" / f"{name}.json").unlink()
    figures = {key: result.get(key) for key in KEYS}
    figures["saturation_rps"] = (result.get("saturation_desk_home") or {}).get("rps")
    figures["load_before"] = round(load_before, 2)
    figures["load_after"] = round(os.getloadavg()[0], 2)
    return figures


def medians(rounds: list[dict[str, Any]]) -> dict[str, float]:
    return {
        key: round(statistics.median(r[key] for r in rounds), 2)
        for key in KEYS
        if all(isinstance(r.get(key), (int, float)) for r in rounds)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-commit", default="199cec5")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=60, help="desk phase seconds per run")
    parser.add_argument("--no-pages", action="store_true", help="skip speed_devices")
    args = parser.parse_args()

    base_src = checkout(args.base_commit)
    runs: dict[str, list[dict[str, Any]]] = {"base": [], "this": []}
    for number in range(args.rounds):
        order = ["base", "this"] if number % 2 == 0 else ["this", "base"]
        for variant in order:
            src = base_src if variant == "base" else None
            figures = desk_load(src, f"side_by_side_{variant}", args.duration)
            runs[variant].append(figures)
            print(f"round {number + 1} {variant}: {figures}", flush=True)
    result: dict[str, Any] = {
        "base_commit": args.base_commit,
        "desk_load": {variant: {"rounds": r, "median": medians(r)} for variant, r in runs.items()},
    }
    if not args.no_pages:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "benchmarks.speed_devices",
                "--base",
                str(base_src),
                "--name",
                "speed_devices_side_by_side",
            ],
            cwd=REPO,
            check=True,
        )
        pages = REPO / "benchmarks" / "results" / "speed_devices_side_by_side.json"
        result["pages"] = json.loads(pages.read_text())
    path = write_results("side_by_side", result)
    print(f"→ {path}")


if __name__ == "__main__":
    main()
