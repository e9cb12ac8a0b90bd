"""Is one model's CV score really better than another's? Paired tests on the same folds.

Two models cross-validated on the same folds give paired per-fold scores, but the folds are
not independent samples: every two fold models share most of their training rows, so the
plain paired t-test's variance is far too small and it declares noise significant. Nadeau and
Bengio (2003) correct the variance of the mean difference for that overlap:

    t = mean(d) / sqrt((1 / J + n_validation / n_fit) * var(d)),   J - 1 degrees of freedom,

with ``d`` the J per-fold differences (k folds x r repeats) and ``n_validation / n_fit`` the
rows a fold validates on against those it trains on (1 / (k - 1) for k-fold CV). Bouckaert
and Frank (2004) found it well calibrated for repeated CV, where the uncorrected test is not.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t


def corrected_resampled_ttest(a, b, test_to_train: float) -> float:
    """Two-sided p-value of "mean(a - b) = 0" by the Nadeau-Bengio corrected resampled t-test.

    Parameters
    ----------
    a, b : array-like
        One metric of two models, per fold, on the same folds in the same order.
    test_to_train : float
        Validation rows over fitting rows of a fold (their means over the folds).

    Returns
    -------
    float
        The p-value; 1 when the two are equal on every fold, NaN with fewer than two folds.
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2 or not np.isfinite(d).all():
        return float("nan")
    variance = np.var(d, ddof=1)
    mean = float(np.mean(d))
    if variance == 0:
        return 1.0 if mean == 0 else 0.0
    statistic = mean / np.sqrt((1 / len(d) + test_to_train) * variance)
    return float(2 * student_t.sf(abs(statistic), df=len(d) - 1))
