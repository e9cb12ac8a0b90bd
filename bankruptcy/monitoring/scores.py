"""Score drift: has the distribution of the model's scores moved since its test rows?

The reference is the scores of the package's test rows (rows the model never trained
on, like production rows). A shift in the share of companies flagged is what users feel
first, so that share is compared too, with Fisher's exact test.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from bankruptcy.monitoring.measures import ks_test_pvalue, ks_test_statistic, psi


def flagged_share_test(reference_flags: np.ndarray, current_flags: np.ndarray) -> dict:
    """Shares of flagged rows in both windows and Fisher's exact two-sided p-value."""
    table = [
        [int(reference_flags.sum()), int((~reference_flags).sum())],
        [int(current_flags.sum()), int((~current_flags).sum())],
    ]
    return {
        "reference": float(reference_flags.mean()),
        "current": float(current_flags.mean()),
        "pvalue": float(stats.fisher_exact(table).pvalue),
    }


def score_drift(
    reference_scores: np.ndarray, current_scores: np.ndarray, threshold: float, n_bins: int = 10
) -> dict:
    """KS test, PSI and the share at or above `threshold`, current against reference scores.

    Parameters
    ----------
    reference_scores, current_scores : numpy.ndarray
        Finite scores (probabilities or decision values; higher = more likely bankrupt).
    threshold : float
        Score at or above which a company is flagged bankrupt.
    n_bins : int
        Reference-quantile bins of the PSI.

    Returns
    -------
    dict
        ``ks_test_statistic``, ``ks_pvalue``, ``psi``, ``threshold``,
        ``share_above_threshold`` (``reference``, ``current``, ``pvalue``) and the mean
        scores (``mean_reference``, ``mean_current``).
    """
    ref, cur = np.sort(reference_scores), np.sort(current_scores)
    statistic = ks_test_statistic(ref, cur)
    return {
        "ks_test_statistic": statistic,
        "ks_pvalue": ks_test_pvalue(ref, cur, statistic),
        "psi": psi(ref, cur, n_bins),
        "threshold": float(threshold),
        "share_above_threshold": flagged_share_test(ref >= threshold, cur >= threshold),
        "mean_reference": float(ref.mean()),
        "mean_current": float(cur.mean()),
    }
