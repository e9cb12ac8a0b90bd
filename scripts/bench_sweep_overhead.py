"""Per-job cost of the sweep machinery: the defaults vs Hydra's basic sweeper or no shared cache.

    python scripts/bench_sweep_overhead.py                   # 8 small jobs, 3 rounds
    python scripts/bench_sweep_overhead.py --baseline cache  # vs preprocess_cache=false
    python scripts/bench_sweep_overhead.py --repeats 5 -- dataset=qualitative

Both sides run the same multirun of cheap jobs (logistic regression and a decision tree on
Polish year 1, four seeds each, analyses and logging off), alternating, in fresh sweep dirs:
once with the baseline and once with the defaults. ``--baseline sweeper`` (default):
``hydra/sweeper=basic`` (Hydra's, which composes every job's config twice) vs the default
``hparams_search=none`` (the same grid, each config composed once). ``--baseline cache``:
``preprocess_cache=false`` (every job fits its own preprocessing) vs the default, where a job
reuses the steps an earlier job fitted on the same rows (here: the two models of a seed).
Printed per side: median wall time, and the framework's seconds per job = (wall time - the
jobs' own CV and refit time) / jobs, which is what the sweeper changes (the cache changes the
jobs' own time: compare wall times). Both must give the same leaderboard.
Needs BANKRUPTCY_DATA_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_sweep_parallel import leaderboard, run, same_scores

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
# per baseline: its side, then the defaults' side (the name of what the baseline turns off)
BASELINES = {
    "sweeper": {"Hydra's basic sweeper": ["hydra/sweeper=basic"], "default (compose once)": []},
    "cache": {"no shared preprocessing": ["preprocess_cache=false"], "default (shared)": []},
}


def fit_seconds(sweep_dir: Path) -> tuple[int, float]:
    """Number of jobs and the sum of their CV + refit seconds (from metrics.json)."""
    metrics = [json.loads(p.read_text()) for p in sweep_dir.glob("*/metrics.json")]
    return len(metrics), sum(m["cv_seconds"] + m["fit_seconds"] for m in metrics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds, sides alternating")
    parser.add_argument("--baseline", choices=BASELINES, default="sweeper")
    parser.add_argument("overrides", nargs="*", help="extra overrides for both sides")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    sides = BASELINES[args.baseline]
    baseline_side, default_side = sides
    folder = {baseline_side: "baseline", default_side: "default"}
    out = Path(tempfile.mkdtemp(prefix="bench_sweep_overhead_"))
    walls = {side: [] for side in sides}
    per_job = {side: [] for side in sides}
    for r in range(args.repeats):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for side in order:
            sweep_dir = out / f"{r}_{folder[side]}"
            wall = run(sweep_dir, JOBS + args.overrides + sides[side])
            jobs, fits = fit_seconds(sweep_dir)
            walls[side].append(wall)
            per_job[side].append((wall - fits) / jobs)
            print(f"round {r + 1}: {side:<24} {wall:6.1f} s", flush=True)

    # keyed by job number: the same grid numbers its jobs alike on both sides, while a job
    # override of the baseline's (preprocess_cache=false) is in each of its jobs' overrides
    boards = [leaderboard(out / f"0_{folder[side]}", "cv/pr_auc", key="job") for side in sides]
    same = same_scores(*boards)
    print(f"\n{jobs} jobs per sweep, {os.cpu_count()} CPUs, medians of {args.repeats} rounds")
    print("| side | wall time | framework seconds per job |")
    print("|---|---:|---:|")
    for side in sides:
        wall, job = statistics.median(walls[side]), statistics.median(per_job[side])
        print(f"| {side} | {wall:.1f} s | {job:.2f} s |")
    for name, values in (("wall time", walls), ("framework time per job", per_job)):
        base, ours = (statistics.median(values[side]) for side in sides)
        print(f"{name}: {ours / base:.2f}x {baseline_side}")
    print(f"same leaderboard: {'yes' if same else 'NO'}; sweeps kept in {out}")


if __name__ == "__main__":
    main()
