"""Write the best trial of an Optuna search as a tuned-parameter file for the polish_sota rows.

    python experiments/polish_sota/tuned_yaml.py <sweep dir> \
        conf/experiment/polish_sota/tuned/y1_lightgbm.yaml

The best trial is the one with the highest CV ROC-AUC (the search's objective); its ``model.*``
overrides become the file's keys, with the trial's CV figures as a comment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from bankruptcy.sweep.jobs import collect_jobs


def main(sweep_dir: str, target: str) -> None:
    jobs = [j for j in collect_jobs(sweep_dir) if j.status == "ok"]
    best = max(jobs, key=lambda j: j.metrics["cv/roc_auc"])
    params = {}
    for override in best.overrides:
        key, _, value = override.partition("=")
        if key.startswith("model."):
            params[key.removeprefix("model.")] = yaml.safe_load(value)
    m = best.metrics
    header = (
        f"# Best of {len(jobs)} Optuna trials ({Path(sweep_dir).name}, objective cv/roc_auc):\n"
        f"# cv/roc_auc {m['cv/roc_auc']:.4f} +- {m['cv/roc_auc_std']:.4f}, "
        f"cv/pr_auc {m['cv/pr_auc']:.4f} +- {m['cv/pr_auc_std']:.4f}.\n"
        "# Written by experiments/polish_sota/tuned_yaml.py.\n"
    )
    Path(target).write_text(header + yaml.safe_dump(params, sort_keys=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
