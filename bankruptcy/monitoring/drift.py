"""Feature drift: one two-sample test per column, Holm's correction across columns.

Numeric columns get the Kolmogorov-Smirnov test on their non-missing values,
categorical ones (non-numeric, or at most `MAX_CATEGORIES` distinct reference values,
e.g. 0/1 flags) the chi-squared test of the 2 x k table of category counts. Missing
values are left out of the tests; a change in how often a column is missing is
reported by `bankruptcy.monitoring.quality`.

Why Holm and not a vote: a column is declared drifted only when its Holm-adjusted
p-value is below ``alpha``, and the dataset when any column is, so the chance of a
false dataset alarm is at most ``alpha`` at every window size and whatever the
correlation between columns. A rule such as "half of the columns beyond a fixed
distance" has no such bound: with 200-row windows the noise alone crosses fixed
distances. Both samples' sizes enter the test, so the reference being itself a
sample is accounted for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bankruptcy.monitoring.measures import (
    holm,
    ks_test_pvalue,
    ks_test_statistic,
    psi,
    psi_from_shares,
    robust_scale,
    wasserstein_effect,
)

NUMERIC = "numeric"
CATEGORICAL = "categorical"
#: A numeric column with at most this many distinct reference values is categorical.
MAX_CATEGORIES = 5
#: Non-missing values each side needs before a column is tested.
MIN_VALUES = 5
#: Categories expected fewer times than this in the current window are pooled ("other")
#: with unseen categories, where the chi-squared approximation would be unreliable.
MIN_EXPECTED = 5

COLUMNS = [
    "column",
    "kind",
    "test",
    "n_reference",
    "n_current",
    "statistic",
    "pvalue",
    "pvalue_adjusted",
    "drift",
    "psi",
    "wasserstein",
    "status",
]


def column_kinds(reference: pd.DataFrame, max_categories: int = MAX_CATEGORIES) -> dict:
    """``{column: "numeric" | "categorical"}``, decided from the reference alone."""
    kinds = {}
    for name, values in reference.items():
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        many = values.nunique(dropna=True) > max_categories
        kinds[name] = NUMERIC if numeric and many else CATEGORICAL
    return kinds


def numeric_values(frame: pd.DataFrame) -> np.ndarray:
    """The frame as a float matrix, NaN for missing values (infinities kept)."""
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def numeric_column(reference: np.ndarray, current: np.ndarray, n_bins: int) -> dict:
    """KS test, PSI and robust Wasserstein effect of one numeric column's non-missing values."""
    ref, cur = np.sort(reference[~np.isnan(reference)]), np.sort(current[~np.isnan(current)])
    row = {"test": "ks", "n_reference": ref.size, "n_current": cur.size}
    if min(ref.size, cur.size) < MIN_VALUES:
        return row | {"status": _too_few(ref.size, cur.size)}
    statistic = ks_test_statistic(ref, cur)
    return row | {
        "statistic": statistic,
        "pvalue": ks_test_pvalue(ref, cur, statistic),
        "psi": psi(ref, cur, n_bins),
        "wasserstein": wasserstein_effect(ref, cur, robust_scale(ref)),
        "status": "tested",
    }


def categorical_column(reference: pd.Series, current: pd.Series) -> dict:
    """Chi-squared test and PSI of one categorical column's category counts."""
    table = pd.DataFrame(
        {"reference": reference.value_counts(), "current": current.value_counts()}
    ).fillna(0)
    n_ref, n_cur = table["reference"].sum(), table["current"].sum()
    row = {"test": "chi2", "n_reference": int(n_ref), "n_current": int(n_cur)}
    if min(n_ref, n_cur) < MIN_VALUES:
        return row | {"status": _too_few(n_ref, n_cur)}
    shares = table / [n_ref, n_cur]
    pooled = table["reference"] / n_ref * n_cur < MIN_EXPECTED  # rare or unseen in reference
    counts = table[~pooled]
    if pooled.any():
        counts = pd.concat([counts, table[pooled].sum().to_frame("other").T])
    counts = counts[counts.sum(axis=1) > 0]
    if len(counts) < 2:  # one category on both sides: nothing can differ
        statistic, pvalue = 0.0, 1.0
    else:
        result = stats.chi2_contingency(counts.to_numpy().T)
        statistic, pvalue = float(result.statistic), float(result.pvalue)
    return row | {
        "statistic": statistic,
        "pvalue": pvalue,
        "psi": psi_from_shares(shares["reference"].to_numpy(), shares["current"].to_numpy()),
        "status": "tested",
    }


def column_tests(
    reference: pd.DataFrame, current: pd.DataFrame, kinds: dict, n_bins: int = 10
) -> pd.DataFrame:
    """One row per column: test, sizes, statistic, raw p-value and effect sizes."""
    rows = []
    numeric = [c for c in reference.columns if kinds[c] == NUMERIC]
    ref_matrix, cur_matrix = numeric_values(reference[numeric]), numeric_values(current[numeric])
    position = {name: i for i, name in enumerate(numeric)}
    for name in reference.columns:
        if kinds[name] == NUMERIC:
            j = position[name]
            row = numeric_column(ref_matrix[:, j], cur_matrix[:, j], n_bins)
        else:
            row = categorical_column(reference[name], current[name])
        rows.append({"column": name, "kind": kinds[name], **row})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    alpha: float = 0.05,
    kinds: dict | None = None,
    n_bins: int = 10,
) -> tuple[dict, pd.DataFrame]:
    """Test every column for drift with a family-wise error rate of `alpha`.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        Raw model inputs with the same columns (see `inputs.align_columns`).
    alpha : float
        Family-wise error rate: the chance that any column of a window without
        drift is flagged is at most `alpha`.
    kinds : dict, optional
        ``{column: "numeric" | "categorical"}``; default `column_kinds(reference)`.
    n_bins : int
        Reference-quantile bins of the PSI.

    Returns
    -------
    summary : dict
        ``drift`` (any column drifted), ``columns`` (the drifted ones, most
        significant first), ``alpha``, ``correction``, ``n_tested``.
    table : pandas.DataFrame
        One row per column (see `COLUMNS`).
    """
    kinds = column_kinds(reference) if kinds is None else kinds
    table = column_tests(reference, current, kinds, n_bins)
    table["pvalue_adjusted"] = holm(table["pvalue"].to_numpy(dtype=np.float64))
    table["drift"] = table["pvalue_adjusted"] < alpha
    drifted = table[table["drift"]].sort_values(["pvalue_adjusted", "statistic"], ascending=[1, 0])
    summary = {
        "drift": bool(table["drift"].any()),
        "columns": drifted["column"].tolist(),
        "alpha": alpha,
        "correction": "holm",
        "n_tested": int((table["status"] == "tested").sum()),
    }
    return summary, table


def _too_few(n_reference: int, n_current: int) -> str:
    return (
        f"not tested: {int(n_reference)} reference and {int(n_current)} current non-missing "
        f"values; at least {MIN_VALUES} each are needed"
    )
