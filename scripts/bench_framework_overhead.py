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
metrics; the script checks they agree.

The two sides alternate (ABBA order) over the repetitions. On a shared machine one process
varies by +/-20 % from run to run, so the script prints, per side, the median time, then the
median of the per-pair ratios (each framework run against the hand-written run next to it: load
drifts cancel) and the ratio of the best times (interference only ever adds time; the
convention of Python's ``timeit``).

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_framework_overhead.py --repeats 9
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


#: What the hand-written script computes; the framework is told to compute the same.
NINE_METRICS = [
    "roc_auc",
    "pr_auc",
    "f1",
    "precision",
    "recall",
    "accuracy",
    "balanced_accuracy",
    "mcc",
    "brier",
]


def framework_command(model: str, data_dir: Path, out: str) -> list[str]:
    """The framework run: the plain preset, no tracking, the post-hoc analyses off."""
    return [
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
        f"metrics.names=[{','.join(NINE_METRICS)}]",
        f"paths.data_dir={data_dir}",
        f"hydra.run.dir={out}",
    ]


def measure(model: str, data_dir: Path, repeats: int) -> dict[str, dict[str, list[float]]]:
    """CV-run and whole-process seconds of both sides, ``{"run"|"process": {side: times}}``.

    The sides alternate which goes first (ABBA), so a drift in machine load hits both alike;
    exits if their metrics differ.
    """
    env = {**os.environ, "WANDB_MODE": "disabled"}
    times = {"run": {"framework": [], "hand": []}, "process": {"framework": [], "hand": []}}
    with tempfile.TemporaryDirectory() as out:
        arff = str(data_dir / "polish" / "1year.arff")
        commands = {
            "framework": framework_command(model, data_dir, out),
            "hand": [sys.executable, "-c", HAND_WRITTEN, arff, model],
        }
        metrics = {}
        for i in range(repeats):
            for side in ("framework", "hand") if i % 2 == 0 else ("hand", "framework"):
                wall, stdout = timed(commands[side], env)
                if side == "framework":
                    metrics[side] = json.loads((Path(out) / "metrics.json").read_text())
                    run = metrics[side]["cv_seconds"] + metrics[side]["fit_seconds"]
                else:
                    metrics[side] = json.loads(stdout)
                    run = metrics[side].pop("seconds")
                times["run"][side].append(run)
                times["process"][side].append(wall)
    ours, theirs = metrics["framework"], metrics["hand"]
    # cv/<m> and test/<m>: the protocol's own metrics (no std, no analysis keys like @threshold)
    computed = {k for k in ours if re.fullmatch(r"(cv|test)/\w+", k) and not k.endswith("_std")}
    if computed != set(theirs):
        sys.exit(f"{model}: the sides compute different metrics: {sorted(computed ^ set(theirs))}")
    differ = {k: (ours[k], v) for k, v in theirs.items() if abs(ours[k] - v) > 1e-9}
    if differ:
        sys.exit(f"{model}: framework and hand-written metrics differ: {differ}")
    return times


def summary(times: dict[str, list[float]]) -> str:
    """Median seconds of each side, median of the paired ratios, ratio of the best times."""
    ours, theirs = times["framework"], times["hand"]
    paired = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    return (
        f"{statistics.median(ours):>8.2f}s {statistics.median(theirs):>5.2f}s {paired:>6.2f}x "
        f"{min(ours) / min(theirs):>6.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--models", nargs="+", default=["logistic", "gradient_boosting"])
    parser.add_argument("--verbose", action="store_true", help="also print every time")
    args = parser.parse_args()
    data_dir = Path(os.environ.get("BANKRUPTCY_DATA_DIR", "data"))
    columns = f"{'framework':>9} {'hand':>6} {'ratio':>7} {'best':>7}"
    print(f"{'':<18} {'CV run (medians, ratio, ratio of bests)':^31}   {'whole process':^31}")
    print(f"{'model':<18} {columns}   {columns}")
    for model in args.models:
        times = measure(model, data_dir, args.repeats)
        print(f"{model:<18} {summary(times['run'])}   {summary(times['process'])}")
        if args.verbose:
            for side, values in times["run"].items():
                print(f"  CV run seconds, {side}: {' '.join(f'{t:.3f}' for t in values)}")


if __name__ == "__main__":
    main()
