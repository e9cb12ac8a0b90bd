"""The polish_sota results table (markdown) from the year sweeps that run.sh writes.

python experiments/polish_sota/table.py outputs/polish_sota > experiments/polish_sota/results.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from bankruptcy.sweep.jobs import collect_jobs

# published hold-out ROC-AUC (Expert Systems 2024, doi 10.1111/exsy.13599), years 1 / 5
ANCHORS = {
    "stacking ensemble": (0.964, 0.963),
    "LightGBM": (0.960, 0.958),
    "CatBoost": (0.958, 0.961),
}


def model_of(overrides) -> str:
    """The row's model: ``experiment=polish_sota/y5_gradient_boosting`` -> ``gradient_boosting``."""
    experiment = next(o for o in overrides if o.startswith("experiment="))
    return experiment.split("/")[-1].split("_", 1)[1]


def main(root: str) -> None:
    print(
        "| year | model | CV ROC-AUC | CV PR-AUC | hold-out ROC-AUC [95 % CI] | hold-out PR-AUC |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for year in (1, 3, 5):
        jobs = [j for j in collect_jobs(Path(root) / f"year{year}") if j.status == "ok"]
        for job in sorted(jobs, key=lambda j: -j.metrics["cv/roc_auc"]):
            m = job.metrics
            print(
                f"| {year} | {model_of(job.overrides)} "
                f"| {m['cv/roc_auc']:.4f} ± {m['cv/roc_auc_std']:.4f} "
                f"| {m['cv/pr_auc']:.4f} ± {m['cv/pr_auc_std']:.4f} "
                f"| {m['test/roc_auc']:.4f} [{m['test/roc_auc_ci_low']:.3f}, "
                f"{m['test/roc_auc_ci_high']:.3f}] | {m['test/pr_auc']:.4f} |"
            )
    print(
        "\nPublished hold-out ROC-AUC (year 1 / year 5): "
        + "; ".join(f"{name} {y1:.3f} / {y5:.3f}" for name, (y1, y5) in ANCHORS.items())
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
