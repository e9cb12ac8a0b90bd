"""Multivariate drift: can a classifier tell current rows from reference rows?

A change in how columns move together (e.g. two ratios that were equal no longer
are) leaves every column's own distribution intact, so no per-column test sees it.
A domain classifier does: label reference rows 0 and current rows 1, fit a
gradient-boosting model on half of the rows and score the other half. Without drift
the held-out scores of both groups come from one distribution, so their ROC-AUC is
0.5 up to noise, and the one-sided Mann-Whitney U test of the held-out scores (whose
U / (n m) *is* that AUC) is valid as it stands: the model never saw the rows it scores,
so under no drift their scores are exchangeable between the groups (the p-value uses the
normal approximation with SciPy's tie correction). Cross-validated scores pooled over
folds would reuse every row but come from different models, which breaks that argument
(a first try flagged 4 of 40 no-shift windows at alpha 0.05); one split keeps the test
honest at the price of some power.

Cheap by design: at most `REFERENCE_PER_CURRENT` reference rows per current row, 20
boosting iterations on 32 bins, one thread: a fit on 3,500 rows x 64 columns takes 0.08 s
against 0.21 s for 30 iterations on the default 255 bins (measured on this 2-core
machine), and still catches one shuffled Polish ratio in 200-row windows. Gradient
boosting is unaffected by monotone transformations, so heavy tails, missing values and
infinities need no preprocessing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

#: The classifier sees at most this many reference rows per current row (speed; beyond a
#: few per current row the held-out AUC's precision is set by the current rows).
REFERENCE_PER_CURRENT = 4


def encode(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Both frames as float matrices; non-numeric columns as codes of reference categories.

    A category unseen in the reference gets a code of its own; missing stays NaN.
    """
    ref_columns, cur_columns = [], []
    for name in reference.columns:
        ref, cur = reference[name], current[name]
        if pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(cur):
            ref_columns.append(ref.to_numpy(dtype=np.float64, na_value=np.nan))
            cur_columns.append(cur.to_numpy(dtype=np.float64, na_value=np.nan))
            continue
        categories = pd.Index(ref.dropna().unique())
        for values, out in ((ref, ref_columns), (cur, cur_columns)):
            codes = categories.get_indexer(values).astype(np.float64)
            codes[codes < 0] = len(categories)  # unseen
            codes[values.isna().to_numpy()] = np.nan
            out.append(codes)
    return np.column_stack(ref_columns), np.column_stack(cur_columns)


def domain_classifier_drift(
    reference: np.ndarray,
    current: np.ndarray,
    alpha: float = 0.05,
    seed: int = 0,
    max_iter: int = 20,
) -> dict:
    """Held-out ROC-AUC of a reference-vs-current classifier and its p-value against 0.5.

    Parameters
    ----------
    reference, current : numpy.ndarray
        Feature matrices with the same columns (see `encode`); NaN allowed.
    alpha : float
        Significance level of the decision ``drift``.
    seed : int
        Seed of the reference subsample, the split and the classifier.
    max_iter : int
        Boosting iterations.

    Returns
    -------
    dict
        ``method``, ``test``, ``roc_auc`` (held-out; 0.5 = indistinguishable),
        ``pvalue``, ``alpha``, ``drift``, ``n_train``, ``n_test``.
    """
    rng = np.random.default_rng(seed)
    keep = min(len(reference), REFERENCE_PER_CURRENT * len(current))
    reference = reference[rng.choice(len(reference), size=keep, replace=False)]
    X = np.vstack([reference, current])
    y = np.r_[np.zeros(len(reference)), np.ones(len(current))]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=seed
    )
    model = HistGradientBoostingClassifier(
        max_iter=max_iter,
        max_bins=32,
        max_leaf_nodes=15,
        early_stopping=False,
        random_state=seed,
    )
    with threadpool_limits(limits=1):
        scores = model.fit(X_train, y_train).predict_proba(X_test)[:, 1]
    is_current = y_test == 1
    result = stats.mannwhitneyu(scores[is_current], scores[~is_current], alternative="greater")
    auc = float(result.statistic) / (is_current.sum() * (~is_current).sum())
    return {
        "method": "domain_classifier",
        "test": "one-sided Mann-Whitney U of held-out classifier scores (AUC > 0.5)",
        "roc_auc": auc,
        "pvalue": float(result.pvalue),
        "alpha": alpha,
        "drift": bool(result.pvalue < alpha),
        "n_train": len(y_train),
        "n_test": len(y_test),
    }
