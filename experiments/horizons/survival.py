"""A survival library's model on the horizons study's splits: scikit-survival beside our hazard.

For split A (training <= 2011, validation 2012-2014, test 2015-2018) and split B (training
<= 2004, validation 2005-2010, test 2011-2018): the American statements with their history
(the default LightGBM preset's panel features, mean imputation, then standard scaling), fitted
on the training statements (years <= the last validation year, each censored at that year:
no look-ahead) by

- ``CoxPHSurvivalAnalysis`` (ridge 1e-3): proportional hazards;
- ``GradientBoostingSurvivalAnalysis`` (Cox loss, 200 trees of depth 3, rate 0.1, 50 %
  subsampling): the library's boosted survival model;

then each horizon's cumulative PD of the test statements, ``1 - S(h)``, on the rows whose label
is observed (`bankruptcy.horizons.labels.Panel.within`): ROC-AUC, PR-AUC, mean PD and observed
rate. Writes ``survival.csv`` in the outputs root (`table.py` renders it).

    BANKRUPTCY_DATA_DIR=../shared/data python experiments/horizons/survival.py OUTPUTS_ROOT
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[2]
SPLITS = {"A": (2014, 3), "B": (2010, 5)}  # last training (validation) year, longest horizon


def statements():
    """The American statements with their history, and the preprocessing of the study's rows."""
    from hydra import compose, initialize_config_dir

    from bankruptcy.experiment.builder import build_pipeline, prepare_data
    from bankruptcy.horizons.targets import Ever

    overrides = [
        f"paths.data_dir={os.environ['BANKRUPTCY_DATA_DIR']}",
        "experiment=horizons/american_lightgbm",
        "logger=none",
    ]
    with initialize_config_dir(str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("config", overrides)
    pipeline = build_pipeline(cfg)
    dataset = prepare_data(cfg, pipeline, Ever(), None)
    # the preprocessing without the sampler (a survival fit sees every statement) and the model
    return dataset, Pipeline([step for step in pipeline.steps[:-1] if step[0] != "sampler"])


def evaluate(dataset, preprocess, last: int, longest: int, models: dict) -> list[dict]:
    """Per model and horizon: test metrics of ``1 - S(h)`` on the observed test rows."""
    from sklearn.base import clone
    from sksurv.util import Surv

    from bankruptcy.horizons.labels import Panel

    panel = Panel.of(dataset.time, dataset.groups, dataset.y, dataset.source)
    duration, event = panel.durations(cutoff=last)
    train = np.flatnonzero((panel.time <= last) & (duration > 0))
    test = np.flatnonzero(panel.time > last)
    X = dataset.X
    found = []
    for name, model in models.items():
        start = time.perf_counter()
        fitted = make_pipeline(clone(preprocess), StandardScaler(), clone(model))
        y = Surv.from_arrays(event[train], duration[train])
        fitted.fit(X.iloc[train], y)
        seconds = time.perf_counter() - start
        curves = fitted.predict_survival_function(X.iloc[test])
        years = np.arange(1, longest + 1)
        pds = 1 - np.array([[curve(h) if h <= curve.x[-1] else curve(curve.x[-1]) for h in years]
                            for curve in curves])  # fmt: skip
        for j, h in enumerate(years):
            positive, observed = panel.within(int(h))
            rows = observed[test]
            labels = positive[test][rows]
            found.append(
                {
                    "split": SPLIT_NAME[last],
                    "model": name,
                    "horizon": f"{h} y",
                    "rows": int(rows.sum()),
                    "roc_auc": roc_auc_score(labels, pds[rows, j]),
                    "pr_auc": average_precision_score(labels, pds[rows, j]),
                    "mean_pd": pds[rows, j].mean(),
                    "observed_rate": labels.mean(),
                    "fit_seconds": seconds,
                }
            )
    return found


SPLIT_NAME = {last: name for name, (last, _) in SPLITS.items()}


def main() -> None:
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from threadpoolctl import threadpool_limits

    models = {
        "Cox PH (scikit-survival)": CoxPHSurvivalAnalysis(alpha=1e-3),
        "boosted Cox (scikit-survival)": GradientBoostingSurvivalAnalysis(
            n_estimators=200, max_depth=3, learning_rate=0.1, subsample=0.5, random_state=42
        ),
    }
    dataset, preprocess = statements()
    rows = []
    with threadpool_limits(limits=1):
        for last, longest in SPLITS.values():
            rows += evaluate(dataset, preprocess, last, longest, models)
    root = Path(sys.argv[1])
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(root / "survival.csv", index=False)


if __name__ == "__main__":
    main()
