"""Preprocessing presets for the boosted trees: paired per-fold CV comparison over several seeds.

    OMP_NUM_THREADS=1 python experiments/polish_sota/presets.py > presets.md

Every variant is cross-validated on the same folds (the protocol's 5 folds of the training split,
for each seed), so the per-fold differences to the ``default`` preset are paired; the table gives
their mean and standard error. The hold-out test split is not touched.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np
from hydra import compose, initialize_config_dir
from sklearn.metrics import average_precision_score, roc_auc_score

from bankruptcy.evaluation.experiment import fit_and_score
from bankruptcy.experiment.builder import build_pipeline, build_split

CONF = os.path.join(os.path.dirname(__file__), "..", "..", "conf")
SEEDS = (42, 1, 2)
TREES = ["preprocess/transform=none", "preprocess/imputer=none", "preprocess/scaler=none"]
VARIANTS = {
    "default": ["preprocess=default"],
    "none": ["preprocess=none"],
    "trees": ["preprocess=default", *TREES, "preprocess/indicator=none"],
    "trees_ind": ["preprocess=default", *TREES],
    "trees_dom": [
        "preprocess=default",
        *TREES,
        "preprocess/indicator=none",
        "preprocess/features=domain",
    ],
    "default_dom": ["preprocess=default", "preprocess/features=domain"],
}


def fold_scores(overrides: list[str], seed: int) -> np.ndarray:
    """(ROC-AUC, PR-AUC) of each CV fold of the training split for one config and seed."""
    data_dir = os.environ.get("BANKRUPTCY_DATA_DIR", "data")
    with initialize_config_dir(os.path.abspath(CONF), version_base="1.3"):
        cfg = compose(
            "config", overrides=[f"paths.data_dir={data_dir}", f"seed={seed}", *overrides]
        )
    dataset, split = build_split(cfg)
    pipeline = build_pipeline(cfg)
    y = dataset.y.to_numpy()
    rows = []
    for fit_rows, val_rows in split.folds:
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 -- as run_job does
        _, scores, _ = fit_and_score(pipeline, dataset, fit_rows, val_rows)
        rows.append(
            (roc_auc_score(y[val_rows], scores), average_precision_score(y[val_rows], scores))
        )
    return np.array(rows)


def main(years=(1, 5), models=("lightgbm", "xgboost", "catboost")) -> None:
    print("| year | model | preset | CV ROC-AUC | Δ vs default (± se) | CV PR-AUC | Δ (± se) |")
    print("|---|---|---|---:|---:|---:|---:|")
    for year in years:
        for model in models:
            base = None
            for name, overrides in VARIANTS.items():
                ov = [f"model={model}", f"dataset.year={year}", *overrides]
                scores = np.vstack([fold_scores(ov, seed) for seed in SEEDS])
                base = scores if base is None else base
                diff = scores - base
                se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff))
                delta = [f"{diff[:, i].mean():+.4f} ± {se[i]:.4f}" for i in (0, 1)]
                print(
                    f"| {year} | {model} | {name} | {scores[:, 0].mean():.4f} ± "
                    f"{scores[:, 0].std():.4f} | {delta[0]} | {scores[:, 1].mean():.4f} ± "
                    f"{scores[:, 1].std():.4f} | {delta[1]} |",
                    flush=True,
                )


if __name__ == "__main__":
    main(*(tuple(a.split(",")) for a in sys.argv[1:]))
