"""Benchmark: the Lightning `MLPClassifier` against scikit-learn's MLPClassifier.

Same data (Polish year 1, stratified 75/25 hold-out; median impute, normal quantile
transform and standard scaling fitted on the training part), same architecture,
activation, optimizer (Adam), learning rate, batch size and a fixed number of epochs
(early stopping, dropout and L2 off on both). Repetitions use seeds 0..reps-1 and are
interleaved so machine load hits both alike; a warm-up fit of each comes first, so
one-off import costs are reported apart.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_mlp.py [--epochs 30] [--reps 5]

Goal: fit-time ratio (ours / scikit-learn) <= 1.5 at equal or better ROC-AUC.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler

from bankruptcy.data.polish import load_polish
from bankruptcy.models.mlp import MLPClassifier


def prepared_data(year: int, seed: int = 0):
    """Train/test arrays, preprocessing fitted on the training rows only."""
    ds = load_polish(year=year)
    X_train, X_test, y_train, y_test = train_test_split(
        ds.X, ds.y.to_numpy(), test_size=0.25, stratify=ds.y, random_state=seed
    )
    prep = make_pipeline(
        SimpleImputer(strategy="median"),
        QuantileTransformer(output_distribution="normal", random_state=seed),
        StandardScaler(),
    )
    return prep.fit_transform(X_train), prep.transform(X_test), y_train, y_test


def make_models(hidden, epochs, batch_size, lr, seed):
    """The two estimators with matched settings, keyed by label."""
    ours = MLPClassifier(
        hidden_sizes=hidden,
        dropout=0.0,
        weight_decay=0.0,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        validation_fraction=0.0,
        optimizer="adam",
        random_state=seed,
    )
    sklearn = SklearnMLP(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="adam",
        alpha=0.0,
        learning_rate_init=lr,
        batch_size=batch_size,
        max_iter=epochs,
        early_stopping=False,
        tol=0.0,
        n_iter_no_change=epochs + 1,  # never stop on a loss plateau: exactly `epochs` epochs
        random_state=seed,
    )
    return {"lightning": ours, "sklearn": sklearn}


def timed_fit(model, X, y) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached is the point
        model.fit(X, y)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 32])
    args = parser.parse_args()

    X_train, X_test, y_train, y_test = prepared_data(args.year)
    print(
        f"Polish year {args.year}: {len(y_train)} training rows x {X_train.shape[1]} features, "
        f"hidden={args.hidden}, {args.epochs} epochs, batch {args.batch_size}, Adam lr={args.lr}"
    )
    settings = (tuple(args.hidden), args.epochs, args.batch_size, args.lr)
    for label, model in make_models(*settings, seed=0).items():
        seconds = timed_fit(model, X_train, y_train)
        print(f"warm-up fit (incl. first imports) {label:>9}: {seconds:.2f} s")

    times, aucs, predict_ms = ({"lightning": [], "sklearn": []} for _ in range(3))
    for seed in range(args.reps):
        for label, model in make_models(*settings, seed=seed).items():
            times[label].append(timed_fit(model, X_train, y_train))
            start = time.perf_counter()
            p = model.predict_proba(X_test)[:, 1]
            predict_ms[label].append(1e3 * (time.perf_counter() - start))
            aucs[label].append(roc_auc_score(y_test, p))

    print(
        f"{'model':>9}  {'median fit s':>12}  {'min fit s':>9}  "
        f"{'predict ms (test rows)':>22}  {'test ROC-AUC mean +- sd':>24}"
    )
    for label in times:
        t, a = np.array(times[label]), np.array(aucs[label])
        print(
            f"{label:>9}  {np.median(t):12.3f}  {t.min():9.3f}  "
            f"{np.median(predict_ms[label]):22.2f}  {a.mean():17.4f} +- {a.std():.4f}"
        )
    ratios = np.array(times["lightning"]) / np.array(times["sklearn"])
    print(
        f"fit-time ratio lightning/sklearn: median {np.median(ratios):.2f} "
        f"(per repetition: {', '.join(f'{r:.2f}' for r in ratios)}); goal <= 1.5"
    )
    gain = np.mean(aucs["lightning"]) - np.mean(aucs["sklearn"])
    print(f"ROC-AUC difference lightning - sklearn: {gain:+.4f}")


if __name__ == "__main__":
    main()
