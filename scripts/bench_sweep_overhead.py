"""Per-job cost of the sweep machinery: the default sweeper vs Hydra's own basic sweeper.

    python scripts/bench_sweep_overhead.py                   # 8 small jobs, 3 rounds
    python scripts/bench_sweep_overhead.py --repeats 5 -- dataset=qualitative

Both sides run the same multirun of cheap jobs (logistic regression and a decision tree on
Polish year 1, four seeds each, analyses and logging off), alternating, in fresh sweep dirs:
once with ``hydra/sweeper=basic`` (Hydra's, which composes every job's config twice) and once
with the default (``hparams_search=none``: the same grid, each config composed once). Printed
per side: median wall time, and the framework's seconds per job = (wall time - the jobs' own
CV and refit time) / jobs, which is what the sweeper changes. Both must give the same
leaderboard. Needs BANKRUPTCY_DATA_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_sweep_parallel import leaderboard, run

JOBS = [
    "dataset=polish",
    "dataset.year=1",
    "model=logistic,decision_tree",
    "seed=1,2,3,4",
    "interpret=none",
    "plots=none",
    "bootstrap=none",
    "logger=none",
]
SIDES = {"Hydra's basic sweeper": ["hydra/sweeper=basic"], "default (compose once)": []}


def fit_seconds(sweep_dir: Path) -> tuple[int, float]:
    """Number of jobs and the sum of their CV + refit seconds (from metrics.json)."""
    metrics = [json.loads(p.read_text()) for p in sweep_dir.glob("*/metrics.json")]
    return len(metrics), sum(m["cv_seconds"] + m["fit_seconds"] for m in metrics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds, sides alternating")
    parser.add_argument("overrides", nargs="*", help="extra overrides for both sides")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    out = Path(tempfile.mkdtemp(prefix="bench_sweep_overhead_"))
    walls = {side: [] for side in SIDES}
    per_job = {side: [] for side in SIDES}
    for r in range(args.repeats):
        order = list(SIDES) if r % 2 == 0 else list(SIDES)[::-1]
        for side in order:
            sweep_dir = out / f"{r}_{'basic' if SIDES[side] else 'default'}"
            wall = run(sweep_dir, JOBS + args.overrides + SIDES[side])
            jobs, fits = fit_seconds(sweep_dir)
            walls[side].append(wall)
            per_job[side].append((wall - fits) / jobs)
            print(f"round {r + 1}: {side:<24} {wall:6.1f} s", flush=True)

    boards = [leaderboard(d, "cv/pr_auc") for d in sorted(out.glob("0_*"))]
    same = boards[0].index.equals(boards[1].index) and bool(
        ((boards[0] - boards[1]).abs() < 1e-9).all()
    )
    print(f"\n{jobs} jobs per sweep, {os.cpu_count()} CPUs, medians of {args.repeats} rounds")
    print("| sweeper | wall time | framework seconds per job |")
    print("|---|---:|---:|")
    for side in SIDES:
        wall, job = statistics.median(walls[side]), statistics.median(per_job[side])
        print(f"| {side} | {wall:.1f} s | {job:.2f} s |")
    base, ours = (statistics.median(per_job[side]) for side in SIDES)
    print(f"\nframework time per job: {ours / base:.2f}x Hydra's basic sweeper")
    print(f"same leaderboard: {'yes' if same else 'NO'}; sweeps kept in {out}")


if __name__ == "__main__":
    main()
