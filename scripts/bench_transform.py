"""Benchmark: the project's vectorised `QuantileTransformer` against scikit-learn's.

Both fitted on the same 5,000 heavy-tailed rows of 64 columns (1,000 quantiles, normal
output); the median time of `transform` on 1 row and on 1,000 rows, and the speed-up. Goal
(issue 23): >= 20x on one row.

    python scripts/bench_transform.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn import preprocessing

from bankruptcy.preprocess.transform import QuantileTransformer


def median_seconds(call, budget: float) -> float:
    """Median seconds per call of `call()` over `budget` seconds, after a warm-up call."""
    call()
    seconds = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end:
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing budget per case")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_t(2, size=(5000, 64))
    X[rng.random(X.shape) < 0.05] = np.nan
    params = {"output_distribution": "normal", "n_quantiles": 1000, "random_state": 0}
    ours = QuantileTransformer(**params).fit(X)
    theirs = preprocessing.QuantileTransformer(**params).fit(X)
    for rows in (1, 1000):
        sklearn_s = median_seconds(lambda b=X[:rows]: theirs.transform(b), args.seconds)
        ours_s = median_seconds(lambda b=X[:rows]: ours.transform(b), args.seconds)
        goal = "  (goal >= 20x)" if rows == 1 else ""
        print(f"{rows:>5} row(s) x 64 columns: scikit-learn {sklearn_s * 1e3:8.3f} ms, "
              f"vectorised {ours_s * 1e3:8.3f} ms, {sklearn_s / ours_s:5.1f}x{goal}")  # fmt: skip


if __name__ == "__main__":
    main()
