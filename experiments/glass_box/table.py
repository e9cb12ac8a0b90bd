"""The glass-box study's table from its sweeps (``bash experiments/glass_box/run.sh ROOT``).

    python experiments/glass_box/table.py ROOT > experiments/glass_box/results.md

One row per job: CV ROC-AUC and PR-AUC (mean ± std over the folds), the paired test against the
sweep's best job on the same folds (the leaderboard's ``pvalue_vs_best``), the hold-out ROC-AUC,
the hold-out mean PD against the observed rate's 95 % interval (calibrated PDs), the final
refit's fit time, the job's wall time (``job.json``) with its ratio to the sweep's
logistic-regression job, and one row's scoring time through the package (in-process median of
200 calls of ``ModelPackage.scores``, the service's scoring step).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.serving.package import ModelPackage


def wall_seconds(job: Path) -> float:
    record = json.loads((job / "job.json").read_text())
    return record["finished"] - record["started"]


def one_row_ms(job: Path, calls: int = 200) -> float:
    """Median milliseconds to score one reference row through the package."""
    package = ModelPackage.load(job / "package")
    row = package.reference()[0][package.contract.names].iloc[[0]]
    package.scores(row)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        package.scores(row)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def sweep_rows(sweep: Path) -> list[str]:
    board = pd.read_csv(sweep / "leaderboard.csv")
    jobs = {
        json.loads((d / "job.json").read_text())["overrides"][0].partition("=")[2]: d
        for d in sweep.iterdir()
        if (d / "job.json").is_file()
    }
    wall = {name: wall_seconds(d) for name, d in jobs.items()}
    logistic = next(s for name, s in wall.items() if name.endswith("_logistic"))
    rows = []
    for _, r in board.iterrows():
        name = r["experiment"]
        tied = "yes" if r["tied_with_best"] else "no"
        p = "best" if pd.isna(r["pvalue_vs_best"]) else f"{r['pvalue_vs_best']:.3f} ({tied})"
        low, high = r["test/observed_rate_ci_low"], r["test/observed_rate_ci_high"]
        inside = "yes" if low <= r["test/mean_pd"] <= high else "no"
        pds = f"{r['test/mean_pd']:.4f} / [{low:.4f}, {high:.4f}] ({inside})"
        rows.append(
            f"| {sweep.name} | `{name}` | {r['cv/roc_auc']:.4f} ± {r['cv/roc_auc_std']:.4f} "
            f"| {r['cv/pr_auc']:.4f} ± {r['cv/pr_auc_std']:.4f} | {p} | {r['test/roc_auc']:.4f} "
            f"| {pds} | {r['fit_seconds']:.1f} | {wall[name]:.0f} ({wall[name] / logistic:.1f}x) "
            f"| {one_row_ms(jobs[name]):.2f} |"
        )
    return rows


def main(root: str) -> None:
    print(
        "| sweep | row (`experiment=`) | CV ROC-AUC | CV PR-AUC | p vs best (tied) "
        "| hold-out ROC-AUC | hold-out mean PD / observed rate 95 % CI (inside) | refit s "
        "| job wall s (x logistic) | one row ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sweep in sorted(Path(root).iterdir()):
        if (sweep / "leaderboard.csv").is_file() and not sweep.name.startswith("search"):
            print("\n".join(sweep_rows(sweep)))


if __name__ == "__main__":
    main(sys.argv[1])
