"""Out-of-fold scores of candidate configurations on the polish_sota folds, and their blends.

    OMP_NUM_THREADS=1 python experiments/polish_sota/oof.py fit 1 [names...]   # cache scores
    python experiments/polish_sota/oof.py table 1 > oof_y1.md                  # every candidate
    python experiments/polish_sota/oof.py blend 1 lgb_bag5 cat_bag5 ...        # blends of some

Every candidate is one list of overrides on a polish_sota row. `fit` runs the protocol's 5 CV
folds of the training split (seed 42, as every row) and caches each fold's validation scores
under ``outputs/polish_sota/oof/y<year>/<name>.npz``; the hold-out test split is never read.
`blend` scores mean-probability and rank averages of cached candidates per fold (ranks within
the fold's validation rows: ROC-AUC only reads the order) and a weight search whose weights for
each fold are chosen on the other four folds only, so the CV figure of the blend stays honest.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_dir
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, roc_auc_score

from bankruptcy.evaluation.experiment import fit_and_score
from bankruptcy.experiment.builder import build_pipeline, build_split

CONF = Path(__file__).resolve().parents[2] / "conf"
CACHE = Path("outputs/polish_sota/oof")
SEEDS = (1, 2, 3, 4)


def _seeds(name: str, row: str, key: str) -> dict[str, list[str]]:
    """The row once per extra model seed (``<name>_s<seed>``); the row itself is seed 42."""
    return {f"{name}_s{s}": [f"experiment=polish_sota/y{{y}}_{row}", f"{key}={s}"] for s in SEEDS}


CANDIDATES: dict[str, list[str]] = {
    # the recorded rows
    **{
        m: [f"experiment=polish_sota/y{{y}}_{m}"]
        for m in (
            "lightgbm",
            "xgboost",
            "catboost",
            "gradient_boosting",
            "random_forest",
            "logistic",
        )
    },
    # a different learner for the blends
    "mlp": ["experiment=polish_sota/y{y}", "model=mlp"],
    # repeated seeds of the boosters (bagging = the mean of these and the row)
    **_seeds("lightgbm", "lightgbm", "model.random_state"),
    **_seeds("xgboost", "xgboost", "model.random_state"),
    **_seeds("catboost", "catboost", "model.random_seed"),
    # class weights
    "lightgbm_balanced": ["experiment=polish_sota/y{y}_lightgbm", "model.class_weight=balanced"],
    "catboost_sqrtbal": [
        "experiment=polish_sota/y{y}_catboost",
        "model.auto_class_weights=SqrtBalanced",
    ],
    "catboost_balanced": [
        "experiment=polish_sota/y{y}_catboost",
        "model.auto_class_weights=Balanced",
    ],
    # slower learning, more trees
    "catboost_long": [
        "experiment=polish_sota/y{y}_catboost",
        "model.iterations=1500",
        "model.learning_rate=0.02",
    ],
    "catboost_rsm05": ["experiment=polish_sota/y{y}_catboost", "model.rsm=0.5"],
    "catboost_depth8": ["experiment=polish_sota/y{y}_catboost", "model.depth=8"],
    "lightgbm_ff03": ["experiment=polish_sota/y{y}_lightgbm", "model.colsample_bytree=0.3"],
    # mean imputation in front of the booster (PyCaret's default preprocessing)
    **{
        f"{m}_mean": [f"experiment=polish_sota/y{{y}}_{m}", "preprocess/imputer=mean"]
        for m in ("lightgbm", "xgboost", "catboost", "gradient_boosting")
    },
    # random forest on NaN (scikit-learn's trees route missing values), larger and balanced
    "rf_nan": [
        "experiment=polish_sota/y{y}_random_forest",
        "preprocess=none",
        "model.n_estimators=500",
    ],
    "rf_nan_bal": [
        "experiment=polish_sota/y{y}_random_forest",
        "preprocess=none",
        "model.n_estimators=500",
        "model.class_weight=balanced_subsample",
        "model.min_samples_leaf=3",
    ],
    "rf_nan_mf03": [
        "experiment=polish_sota/y{y}_random_forest",
        "preprocess=none",
        "model.n_estimators=500",
        "model.max_features=0.3",
        "model.min_samples_leaf=2",
    ],
}


def compose_cfg(overrides: list[str], year: int):
    data_dir = os.environ.get("BANKRUPTCY_DATA_DIR", "data")
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose(
            "config",
            overrides=[f"paths.data_dir={data_dir}", *(o.format(y=year) for o in overrides)],
        )


def fit(year: int, names: list[str]) -> None:
    """Cache the per-fold validation scores of each named candidate (skips cached ones)."""
    out = CACHE / f"y{year}"
    out.mkdir(parents=True, exist_ok=True)
    for name in names or CANDIDATES:
        path = out / f"{name}.npz"
        if path.exists():
            continue
        cfg = compose_cfg(CANDIDATES[name], year)
        dataset, split = build_split(cfg)
        pipeline = build_pipeline(cfg)
        y = dataset.y.to_numpy()
        scores, labels = [], []
        for fit_rows, val_rows in split.folds:
            random.seed(cfg.seed)
            np.random.seed(cfg.seed)  # noqa: NPY002 -- as run_job does
            _, s, _ = fit_and_score(pipeline, dataset, fit_rows, val_rows)
            scores.append(s)
            labels.append(y[val_rows])
        np.savez(
            path,
            **{f"s{k}": s for k, s in enumerate(scores)},
            **{f"y{k}": t for k, t in enumerate(labels)},
        )
        print(f"{name}: {summary(scores, labels)}", flush=True)


def load(year: int, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    data = np.load(CACHE / f"y{year}" / f"{name}.npz")
    k = len(data.files) // 2
    return [data[f"s{i}"] for i in range(k)], [data[f"y{i}"] for i in range(k)]


def fold_metrics(scores, labels) -> np.ndarray:
    return np.array(
        [
            (roc_auc_score(t, s), average_precision_score(t, s))
            for s, t in zip(scores, labels, strict=True)
        ]
    )


def summary(scores, labels) -> str:
    m = fold_metrics(scores, labels)
    return (
        f"ROC-AUC {m[:, 0].mean():.4f} ± {m[:, 0].std():.4f}, "
        f"PR-AUC {m[:, 1].mean():.4f} ± {m[:, 1].std():.4f}"
    )


def average(parts, weights=None, ranks=False):
    """Per fold: the weighted mean of the parts' scores (or of their ranks within the fold)."""
    weights = np.ones(len(parts)) if weights is None else np.asarray(weights, float)
    out = []
    for k in range(len(parts[0])):
        cols = [rankdata(p[k]) / len(p[k]) if ranks else p[k] for p in parts]
        out.append(np.average(np.vstack(cols), axis=0, weights=weights))
    return out


def honest_weights(parts, labels, ranks: bool, grid=(0, 1, 2, 3)) -> list[np.ndarray]:
    """Blend scores of each fold with weights chosen on the other folds' ROC-AUC only."""
    combos = [w for w in itertools.product(grid, repeat=len(parts)) if any(w)]
    blends = {w: average(parts, w, ranks) for w in combos}
    out = []
    for k in range(len(labels)):
        others = [i for i in range(len(labels)) if i != k]
        best = max(
            combos, key=lambda w: np.mean([roc_auc_score(labels[i], blends[w][i]) for i in others])
        )
        out.append(blends[best][k])
        print(f"  fold {k}: weights {best}", file=sys.stderr)
    return out


def table(year: int) -> None:
    print("| candidate | CV ROC-AUC | CV PR-AUC |\n|---|---:|---:|")
    for path in sorted((CACHE / f"y{year}").glob("*.npz")):
        m = fold_metrics(*load(year, path.stem))
        print(
            f"| {path.stem} | {m[:, 0].mean():.4f} ± {m[:, 0].std():.4f} | "
            f"{m[:, 1].mean():.4f} ± {m[:, 1].std():.4f} |"
        )


def bag(year: int, name: str) -> list[np.ndarray]:
    """Mean probability of the row and its extra seeds."""
    parts = [load(year, name)[0]] + [load(year, f"{name}_s{s}")[0] for s in SEEDS]
    return average(parts)


def blend(year: int, names: list[str]) -> None:
    labels = load(year, names[0].removesuffix("_bag"))[1]
    parts = [
        bag(year, n.removesuffix("_bag")) if n.endswith("_bag") else load(year, n)[0] for n in names
    ]
    print(f"blend of {names} (year {year})")
    print(f"  mean probability : {summary(average(parts), labels)}")
    print(f"  mean rank        : {summary(average(parts, ranks=True), labels)}")
    if len(parts) > 1:
        print(f"  weights (honest) : {summary(honest_weights(parts, labels, False), labels)}")
        print(f"  rank weights     : {summary(honest_weights(parts, labels, True), labels)}")


if __name__ == "__main__":
    command, year, *rest = sys.argv[1:]
    {"fit": fit, "table": lambda y, _: table(y), "blend": blend}[command](int(year), rest)
