"""The scorecard study's table from its sweeps (``bash experiments/scorecard/run.sh ROOT``).

    python experiments/scorecard/table.py ROOT > experiments/scorecard/results.md

One row per job: CV ROC-AUC, PR-AUC and Gini (mean ± std over the folds), the paired test
against the year's best job on the same folds (the leaderboard's ``pvalue_vs_best``), the
hold-out ROC-AUC, the scorecard's size, and the job's wall time (``job.json``) with its ratio
to the year's logistic-regression job.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def wall_seconds(job: Path) -> float:
    record = json.loads((job / "job.json").read_text())
    return record["finished"] - record["started"]


def year_rows(sweep: Path) -> list[str]:
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
        size = (
            f"{int(r['scorecard/n_features'])} / {int(r['scorecard/n_bins'])}"
            if "scorecard/n_features" in r and pd.notna(r["scorecard/n_features"])
            else ""
        )
        seconds = f"{wall[name]:.1f} ({wall[name] / logistic:.1f}x)"
        rows.append(
            f"| {sweep.name} | `{name}` | {r['cv/roc_auc']:.4f} ± {r['cv/roc_auc_std']:.4f} "
            f"| {r['cv/pr_auc']:.4f} ± {r['cv/pr_auc_std']:.4f} | {r['cv/gini']:.4f} | {p} "
            f"| {r['test/roc_auc']:.4f} | {size} | {seconds} |"
        )
    return rows


def main(root: str) -> None:
    print(
        "| sweep | row (`experiment=`) | CV ROC-AUC | CV PR-AUC | CV Gini | p vs best (tied) "
        "| hold-out ROC-AUC | features / bins | wall s (x logistic) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for sweep in sorted(Path(root).iterdir()):
        if (sweep / "leaderboard.csv").is_file():
            print("\n".join(year_rows(sweep)))


if __name__ == "__main__":
    main(sys.argv[1])
