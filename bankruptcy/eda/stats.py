"""Pure computations behind the exploratory-analysis report.

Every function takes plain pandas objects (features `X`, 0/1 labels `y` with
1 = bankrupt) and returns a small table; nothing here plots, writes or logs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score


def class_balance(y: pd.Series) -> pd.DataFrame:
    """Rows and share of each class.

    Returns
    -------
    pandas.DataFrame
        Columns ``class``, ``label``, ``rows``, ``share``; operating (0) first.
    """
    counts = y.value_counts().reindex([0, 1], fill_value=0)
    return pd.DataFrame(
        {
            "class": ["operating", "bankrupt"],
            "label": [0, 1],
            "rows": counts.to_numpy(),
            "share": counts.to_numpy() / len(y),
        }
    )


def missing_values(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """Missing cells per feature and the bankrupt rate where missing versus present.

    A large gap between the two rates means missingness itself carries
    information about the label (and that imputing it away may lose signal).

    Returns
    -------
    pandas.DataFrame
        One row per feature with at least one missing value, most missing
        first: ``feature``, ``missing``, ``missing_share``,
        ``bankrupt_rate_missing``, ``bankrupt_rate_present``.
    """
    missing = X.isna()
    counts = missing.sum()
    features = counts[counts > 0].sort_values(ascending=False, kind="stable").index
    labels = y.to_numpy()
    rows = []
    for feature in features:
        is_missing = missing[feature].to_numpy()
        rows.append(
            {
                "feature": feature,
                "missing": int(is_missing.sum()),
                "missing_share": float(is_missing.mean()),
                "bankrupt_rate_missing": _mean_or_nan(labels[is_missing]),
                "bankrupt_rate_present": _mean_or_nan(labels[~is_missing]),
            }
        )
    columns = ["feature", "missing", "missing_share"]
    columns += ["bankrupt_rate_missing", "bankrupt_rate_present"]
    return pd.DataFrame(rows, columns=columns)


def incomplete_rows(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """Rows with and without any missing cell, with their bankrupt rate.

    Returns
    -------
    pandas.DataFrame
        Columns ``rows_kind`` (``complete`` / ``with a missing cell``),
        ``rows``, ``bankrupt_rate``.
    """
    incomplete = X.isna().any(axis=1).to_numpy()
    labels = y.to_numpy()
    return pd.DataFrame(
        {
            "rows_kind": ["complete", "with a missing cell"],
            "rows": [int((~incomplete).sum()), int(incomplete.sum())],
            "bankrupt_rate": [_mean_or_nan(labels[~incomplete]), _mean_or_nan(labels[incomplete])],
        }
    )


def auc_of(values: pd.Series | np.ndarray, y: pd.Series | np.ndarray) -> float:
    """ROC-AUC of raw `values` as a score for ``y == 1``, ignoring NaN rows.

    Scored on the values' ranks, so infinities (a zero denominator in some exports) are
    ordinary extreme values. NaN when the non-missing rows hold only one class.
    """
    values = np.asarray(values, dtype=float)
    labels = np.asarray(y)
    keep = ~np.isnan(values)
    if len(np.unique(labels[keep])) < 2:
        return float("nan")
    return float(roc_auc_score(labels[keep], rankdata(values[keep])))


def univariate_auc(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """How well each feature alone ranks bankrupt above operating rows.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``auc`` = max(AUC, 1 - AUC), ``raw_auc`` (AUC of the raw
        value), ``direction`` (which side points to bankruptcy) and
        ``rows_used`` (non-missing rows); strongest first, features whose AUC
        is undefined last.
    """
    rows = []
    for feature in X.columns:
        raw = auc_of(X[feature], y)
        rows.append(
            {
                "feature": feature,
                "auc": max(raw, 1 - raw),
                "raw_auc": raw,
                "direction": "higher = riskier" if raw >= 0.5 else "lower = riskier",
                "rows_used": int(X[feature].notna().sum()),
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values("auc", ascending=False, kind="stable", na_position="last").reset_index(
        drop=True
    )


def is_heavy_tailed(values: pd.Series, ratio: float) -> bool:
    """True when the finite range of `values` exceeds `ratio` interquartile ranges.

    A normal sample of a few thousand rows spans about 6 IQRs; Polish ratios
    span up to 1e6 IQRs, which a linear axis squeezes into one bar.
    """
    finite = values[np.isfinite(values)]
    if finite.empty:
        return False
    q1, q3 = finite.quantile([0.25, 0.75])
    span = finite.max() - finite.min()
    return bool(span > ratio * (q3 - q1))


def outlier_summary(
    X: pd.DataFrame, y: pd.Series, iqr_factor: float, heavy_tail_ratio: float
) -> pd.DataFrame:
    """Quartiles, extremes and Tukey outliers of each feature.

    A value is an outlier when it lies beyond ``Q1 - iqr_factor * IQR`` or
    ``Q3 + iqr_factor * IQR`` (3 = Tukey's "far out").

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``min``, ``q1``, ``median``, ``q3``, ``max``,
        ``outliers`` (count), ``outlier_share`` (of non-missing rows),
        ``bankrupt_rate_outliers`` and ``heavy_tailed``; most outliers first.
    """
    labels = y.to_numpy()
    rows = []
    for feature in X.columns:
        values = X[feature]
        present = values.notna().to_numpy()
        q1, median, q3 = values.quantile([0.25, 0.5, 0.75])
        spread = iqr_factor * (q3 - q1)
        outside = ((values < q1 - spread) | (values > q3 + spread)).to_numpy()
        rows.append(
            {
                "feature": feature,
                "min": values.min(),
                "q1": q1,
                "median": median,
                "q3": q3,
                "max": values.max(),
                "outliers": int(outside.sum()),
                "outlier_share": float(outside.sum() / max(present.sum(), 1)),
                "bankrupt_rate_outliers": _mean_or_nan(labels[outside]),
                "heavy_tailed": is_heavy_tailed(values, heavy_tail_ratio),
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values("outlier_share", ascending=False, kind="stable").reset_index(drop=True)


def rank_correlation(X: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """Spearman correlation matrix, on a random subsample of at most `max_rows` rows.

    Rank correlation is used because Pearson's on ratios spanning 1e6 is
    decided by a handful of extreme rows. Each feature is ranked once over its
    non-missing rows and pairs are correlated on the rows where both are
    present: exact Spearman for complete columns and 20x faster than
    re-ranking every pair (``corr(method="spearman")``) where cells are
    missing. Constant columns give NaN.
    """
    sample = X.sample(n=max_rows, random_state=seed) if len(X) > max_rows else X
    return sample.rank().corr()


def top_correlated_pairs(corr: pd.DataFrame, n: int) -> pd.DataFrame:
    """The `n` feature pairs with the largest absolute correlation.

    Returns
    -------
    pandas.DataFrame
        ``feature_a``, ``feature_b``, ``rho``; strongest first, each
        unordered pair once, undefined (NaN) pairs left out.
    """
    upper = np.triu(np.ones(corr.shape, dtype=bool), k=1)
    # pandas >= 3 keeps NaN when stacking: drop the masked lower triangle and undefined pairs.
    pairs = corr.where(upper).stack().dropna().rename("rho").reset_index()
    pairs.columns = ["feature_a", "feature_b", "rho"]
    order = pairs["rho"].abs().sort_values(ascending=False, kind="stable").index
    return pairs.loc[order].head(n).reset_index(drop=True)


def duplicate_groups(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    """Groups of rows with identical features (missing equals missing).

    Returns
    -------
    pandas.DataFrame
        One row per group of two or more identical rows: ``first_row`` (index
        label of its first row), ``rows``, ``bankrupt`` (rows labelled 1) and
        ``conflicting`` (both labels present); largest first.
    """
    repeated = X.duplicated(keep=False).to_numpy()
    key = pd.util.hash_pandas_object(X[repeated], index=False).to_numpy()
    frame = pd.DataFrame({"key": key, "row": X.index[repeated], "label": y.to_numpy()[repeated]})
    groups = frame.groupby("key", sort=False).agg(
        first_row=("row", "first"), rows=("label", "size"), bankrupt=("label", "sum")
    )
    groups["conflicting"] = (groups["bankrupt"] > 0) & (groups["bankrupt"] < groups["rows"])
    return groups.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def duplicate_counts(groups: pd.DataFrame) -> dict[str, int]:
    """Headline counts from `duplicate_groups`.

    ``duplicate_rows``: rows identical to an earlier row (what
    ``DataFrame.duplicated`` counts); ``conflicting_groups`` /
    ``conflicting_rows``: groups holding both labels and all their rows.
    """
    conflicting = groups.loc[groups["conflicting"]]
    return {
        "duplicate_rows": int(groups["rows"].sum() - len(groups)),
        "duplicate_groups": len(groups),
        "conflicting_groups": len(conflicting),
        "conflicting_rows": int(conflicting["rows"].sum()),
    }


def rate_over_time(time: pd.Series, y: pd.Series) -> pd.DataFrame:
    """Rows, bankrupt rows and bankrupt rate per time period, in time order.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``rows``, ``bankrupt``, ``bankrupt_rate``.
    """
    frame = pd.DataFrame({"period": time.to_numpy(), "label": y.to_numpy()})
    table = frame.groupby("period", sort=True)["label"].agg(rows="size", bankrupt="sum")
    table["bankrupt_rate"] = table["bankrupt"] / table["rows"]
    return table.reset_index()


def _mean_or_nan(values: np.ndarray) -> float:
    """Mean of `values`, NaN (not a warning) for an empty array."""
    return float(values.mean()) if len(values) else float("nan")
