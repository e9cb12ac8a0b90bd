"""Benchmark: one CV run through the framework vs. the same run hand-written in scikit-learn.

Each repetition starts one process per side on Polish year 1: hold-out 20 %, 5-fold
stratified CV, refit, test, the nine metrics. Two figures per side: the CV run itself (folds
fit + scored + metrics, refit, test scores; timed inside each process: the framework's
``cv_seconds + fit_seconds``) and the whole process (imports, Hydra's config composition,
data loading and writing outputs included). The framework runs with
``preprocess=plain`` (inf -> NaN, median imputation, standard scaling), ``logger=none`` and
the post-hoc analyses off (threshold fixed, no bootstrap, plots or interpretation) and the
nine metrics the hand-written script computes; the
hand-written script does exactly that with plain scikit-learn/imbalanced-learn. Both print their
metrics; the script checks they agree, then prints median wall times and the ratio.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_framework_overhead.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HAND_WRITTEN = r"""
import json, sys
import numpy as np, pandas as pd
from scipy.io import arff
from imblearn.pipeline import Pipeline
from imblearn import FunctionSampler
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import HistGradientBoostingClassifier

data, _ = arff.loadarff(sys.argv[1])
frame = pd.DataFrame(data)
y = (frame.pop("class").str.decode("ascii") == "1").astype(int).to_numpy()
X = frame.to_numpy(dtype=float, copy=True)
X[np.isinf(X)] = np.nan
models = {
    "logistic": LogisticRegression(C=1.0, max_iter=2000, random_state=42),
    "gradient_boosting": HistGradientBoostingClassifier(
        learning_rate=0.1, max_iter=300, max_leaf_nodes=31, min_samples_leaf=20,
        early_stopping=False, random_state=42),
}
pipe = Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                 ("scale", StandardScaler()), ("sampler", FunctionSampler(validate=False)),
                 ("model", models[sys.argv[2]])])
rows = np.arange(len(y))
train, test = train_test_split(rows, test_size=0.2, stratify=y, random_state=42)
train.sort(); test.sort()

def scores(Xf, yf, Xs, ys):
    p = clone(pipe).fit(Xf, yf).predict_proba(Xs)[:, 1]
    lab = (p >= 0.5).astype(int)
    return {"roc_auc": skm.roc_auc_score(ys, p), "pr_auc": skm.average_precision_score(ys, p),
            "f1": skm.f1_score(ys, lab, zero_division=0), "recall": skm.recall_score(ys, lab),
            "precision": skm.precision_score(ys, lab, zero_division=0),
            "accuracy": skm.accuracy_score(ys, lab), "mcc": skm.matthews_corrcoef(ys, lab),
            "balanced_accuracy": skm.balanced_accuracy_score(ys, lab),
            "brier": skm.brier_score_loss(ys, p)}

import time
start = time.perf_counter()
cv = StratifiedKFold(5, shuffle=True, random_state=42)
folds = [scores(X[train[a]], y[train[a]], X[train[b]], y[train[b]])
         for a, b in cv.split(train, y[train])]
out = {f"cv/{k}": float(np.mean([f[k] for f in folds])) for k in folds[0]}
out.update({f"test/{k}": v for k, v in scores(X[train], y[train], X[test], y[test]).items()})
out["seconds"] = time.perf_counter() - start
print(json.dumps(out))
"""


def timed(command: list[str], env: dict) -> tuple[float, str]:
    """Wall time and stdout of one process run (fails loudly if the process fails)."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{command[1]} failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=["logistic", "gradient_boosting"])
    args = parser.parse_args()
    data_dir = Path(os.environ.get("BANKRUPTCY_DATA_DIR", "data"))
    arff_file = data_dir / "polish" / "1year.arff"
    env = {**os.environ, "WANDB_MODE": "disabled"}
    print(
        f"{'model':<18} {'run: framework':>15} {'hand':>6} {'ratio':>6}   "
        f"{'process: framework':>19} {'hand':>6} {'ratio':>6}"
    )
    for model in args.models:
        with tempfile.TemporaryDirectory() as out:
            framework = [
                sys.executable,
                "-m",
                "bankruptcy.run",
                f"model={model}",
                "sampler=none",
                "preprocess=plain",
                "logger=none",
                "threshold=fixed",
                "bootstrap=none",
                "plots=none",
                "interpret=none",
                f"paths.data_dir={data_dir}",
                f"hydra.run.dir={out}",
            ]
            hand = [sys.executable, "-c", HAND_WRITTEN, str(arff_file), model]
            runs = {"framework": [], "hand": []}
            procs = {"framework": [], "hand": []}
            for _ in range(args.repeats):  # interleaved so drifts in machine load hit both
                wall, _ = timed(framework, env)
                ours = json.loads((Path(out) / "metrics.json").read_text())
                procs["framework"].append(wall)
                runs["framework"].append(ours["cv_seconds"] + ours["fit_seconds"])
                wall, stdout = timed(hand, env)
                theirs = json.loads(stdout)
                procs["hand"].append(wall)
                runs["hand"].append(theirs.pop("seconds"))
            differ = {k: (ours[k], v) for k, v in theirs.items() if abs(ours[k] - v) > 1e-9}
            if differ:
                sys.exit(f"{model}: framework and hand-written metrics differ: {differ}")
        run_f, run_h = (statistics.median(runs[k]) for k in ("framework", "hand"))
        proc_f, proc_h = (statistics.median(procs[k]) for k in ("framework", "hand"))
        print(
            f"{model:<18} {run_f:>15.2f} {run_h:>6.2f} {run_f / run_h:>6.2f}   "
            f"{proc_f:>19.2f} {proc_h:>6.2f} {proc_f / proc_h:>6.2f}"
        )


if __name__ == "__main__":
    main()
