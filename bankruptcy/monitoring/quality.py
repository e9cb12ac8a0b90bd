"""Data quality of a window: missingness against the reference, values outside its range.

- Missingness: share of missing values per column in both windows and Fisher's exact
  test of equal shares, Holm-adjusted across columns. Upstream changes show here first
  (a source that stops filling a field, or starts imputing it).
- Out of range: share of a numeric column's current values below the reference minimum
  or above its maximum. For exchangeable data a new value falls outside the range of
  ``n`` reference values with probability ``2 / (n + 1)`` (less with ties), so a one-sided
  binomial test against that share tells extrapolation from chance. For categorical
  columns the share of categories unseen in the reference is reported (their test is
  the chi-squared drift test, where unseen categories count).
- Rows rejected by the input contract are counted by the caller and reported as given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bankruptcy.monitoring.drift import NUMERIC
from bankruptcy.monitoring.measures import holm

COLUMNS = [
    "column",
    "missing_reference",
    "missing_current",
    "missing_pvalue",
    "missing_pvalue_adjusted",
    "missing_changed",
    "out_of_range_share",
    "out_of_range_pvalue",
    "out_of_range_pvalue_adjusted",
    "out_of_range",
]


def missingness_pvalues(
    missing_reference: np.ndarray, n_reference: int, missing_current: np.ndarray, n_current: int
) -> np.ndarray:
    """Fisher's exact test of equal missing shares, per column, two-sided by doubling.

    Given a column's total missing count, its count in the current window is
    hypergeometric under equal shares; the p-value is twice the smaller tail (at most 1).
    One vectorised call serves all columns: ``scipy.stats.fisher_exact``, whose two-sided
    p-value sums the less likely tables instead, cost ~2 ms a column (0.11 s for 64
    columns, measured on the busy 2-core machine).
    """
    null = stats.hypergeom(n_reference + n_current, missing_reference + missing_current, n_current)
    tails = np.minimum(null.cdf(missing_current), null.sf(missing_current - 1))
    return np.minimum(1.0, 2 * tails)


def out_of_range(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Share of `current`'s numeric values outside `reference`'s range, and its p-value."""
    ref = reference.to_numpy(dtype=np.float64, na_value=np.nan)
    cur = current.to_numpy(dtype=np.float64, na_value=np.nan)
    ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
    if ref.size == 0 or cur.size == 0:
        return float("nan"), float("nan")
    outside = int(((cur < ref.min()) | (cur > ref.max())).sum())
    pvalue = stats.binom.sf(outside - 1, cur.size, 2 / (ref.size + 1))
    return outside / cur.size, float(pvalue)


def unseen_share(reference: pd.Series, current: pd.Series) -> tuple[float, float]:
    """Share of `current`'s non-missing values that never occur in `reference` (no test)."""
    values = current.dropna()
    if values.empty:
        return float("nan"), float("nan")
    return float((~values.isin(set(reference.dropna()))).mean()), float("nan")


def data_quality(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: dict,
    rows_rejected: int = 0,
    alpha: float = 0.05,
) -> tuple[dict, pd.DataFrame]:
    """Missingness and range checks of every column, plus the contract's rejected rows.

    Parameters
    ----------
    reference, current : pandas.DataFrame
        Raw model inputs with the same columns.
    kinds : dict
        ``{column: "numeric" | "categorical"}`` (see `drift.column_kinds`).
    rows_rejected : int
        Rows of the window the input contract refused (not in `current`).
    alpha : float
        Family-wise error rate of each family of tests (missingness, range).

    Returns
    -------
    summary : dict
        ``rows_rejected``, ``rows_rejected_share`` (of all rows received), ``alpha`` and
        the columns whose ``missingness_changed``, that are ``out_of_range``,
        ``all_missing`` in the current window or ``all_missing_reference``.
    table : pandas.DataFrame
        One row per column (see `COLUMNS`).
    """
    n_ref, n_cur = len(reference), len(current)
    missing_ref = reference.isna().sum().to_numpy()
    missing_cur = current.isna().sum().to_numpy()
    ranges = [
        (out_of_range if kinds[name] == NUMERIC else unseen_share)(reference[name], current[name])
        for name in reference.columns
    ]
    table = pd.DataFrame(
        {
            "column": reference.columns,
            "missing_reference": missing_ref / n_ref,
            "missing_current": missing_cur / n_cur,
            "missing_pvalue": missingness_pvalues(missing_ref, n_ref, missing_cur, n_cur),
            "out_of_range_share": [share for share, _ in ranges],
            "out_of_range_pvalue": [pvalue for _, pvalue in ranges],
        }
    ).reindex(columns=COLUMNS)
    for test, flag in (("missing", "missing_changed"), ("out_of_range", "out_of_range")):
        table[f"{test}_pvalue_adjusted"] = holm(table[f"{test}_pvalue"].to_numpy(dtype=float))
        table[flag] = table[f"{test}_pvalue_adjusted"] < alpha
    summary = {
        "rows_rejected": int(rows_rejected),
        "rows_rejected_share": rows_rejected / (rows_rejected + n_cur),
        "alpha": alpha,
        "missingness_changed": table.loc[table["missing_changed"], "column"].tolist(),
        "out_of_range": table.loc[table["out_of_range"], "column"].tolist(),
        "all_missing": table.loc[table["missing_current"] == 1, "column"].tolist(),
        "all_missing_reference": table.loc[table["missing_reference"] == 1, "column"].tolist(),
    }
    return summary, table
