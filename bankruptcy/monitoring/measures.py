"""Two-sample measures shared by feature and score monitoring.

- `ks_test_statistic`, `ks_test_pvalue`: the two-sample Kolmogorov-Smirnov test.
- `psi`: population stability index on bins cut at reference quantiles.
- `robust_scale` and `wasserstein_effect`: a shift in "robust standard deviations".
- `holm`: Holm's step-down adjustment (family-wise error control under any dependence).

Heavy tails drive the choices. In Polish year 1 the standard deviation of ``Attr5`` is
37,000 while its interquartile range / 1.349 is 61: a scale from the standard deviation
would call a shift of the whole bulk by 100 typical widths "0.2 sd". The robust scale is
the interquartile range / 1.349 (equal to the sd for a normal law), and the Wasserstein
distance is computed after winsorising both samples at the reference's 1st and 99th
percentiles, so a handful of extreme values cannot dominate it; a pure location shift by
``d`` still measures ``d``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Below this many values on either side, KS p-values come from the exact null law.
EXACT_KS_BELOW = 100
#: Shares floored here before taking logarithms in the PSI (empty bins).
PSI_FLOOR = 1e-4
#: The normal law's interquartile range in standard deviations.
IQR_PER_SD = 1.349
WINSOR_QUANTILES = (0.01, 0.99)


def ks_test_statistic(reference: np.ndarray, current: np.ndarray) -> float:
    """Largest gap between the empirical CDFs of two sorted, non-empty samples.

    The statistic of ``scipy.stats.ks_2samp``, from samples sorted once by the caller.
    """
    pooled = np.concatenate([reference, current])
    gap = np.searchsorted(reference, pooled, side="right") / len(reference) - np.searchsorted(
        current, pooled, side="right"
    ) / len(current)
    return float(np.abs(gap).max())


def ks_test_pvalue(reference: np.ndarray, current: np.ndarray, statistic: float) -> float:
    """Two-sided p-value of the KS `statistic` of two sorted samples.

    Exact (``ks_2samp(method="exact")``) when either sample is small; otherwise
    Kolmogorov's limiting law at ``sqrt(n m / (n + m)) * D``. ``ks_2samp``'s own
    asymptotic branch evaluates ``kstwo.sf`` at the effective sample size, which cost
    ~1.2 ms a column at 2,000 rows (0.08 s for 64 columns) against microseconds here; the
    limiting law gives p-values at most ~11 % larger in the 1e-3 tail at 200 rows and
    ~4 % at 2,000 (measured), so the test stays valid and loses almost no power. Ties
    make either form conservative.
    """
    n, m = len(reference), len(current)
    if min(n, m) < EXACT_KS_BELOW:
        return float(stats.ks_2samp(reference, current, method="exact").pvalue)
    return float(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * statistic))


def quantile_edges(reference: np.ndarray, n_bins: int) -> np.ndarray:
    """Inner bin edges at the reference's ``k / n_bins`` quantiles, ties merged.

    ``inverted_cdf`` quantiles are data values (no interpolation), so infinite values
    stay usable and a value equal to an edge falls in the bin that edge closes.
    """
    levels = np.arange(1, n_bins) / n_bins
    return np.unique(np.quantile(reference, levels, method="inverted_cdf"))


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each bin ``(edge[i-1], edge[i]]`` (outer bins open-ended)."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def psi_from_shares(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI ``sum((c - r) * ln(c / r))`` of two share vectors, shares floored at `PSI_FLOOR`."""
    r = np.maximum(reference, PSI_FLOOR)
    c = np.maximum(current, PSI_FLOOR)
    return float(np.sum((c - r) * np.log(c / r)))


def psi(reference: np.ndarray, current: np.ndarray, n_bins: int = 10) -> float:
    """Population stability index of `current` against `reference` (non-missing values).

    Bins are cut at reference deciles (by default), so each holds about a tenth of the
    reference; a value repeated in many rows (e.g. a ratio that is often exactly 0)
    collapses edges and keeps its own bin. Rule of thumb: < 0.1 stable, > 0.25 shifted.
    """
    edges = quantile_edges(reference, n_bins)
    return psi_from_shares(bin_shares(reference, edges), bin_shares(current, edges))


def robust_scale(values: np.ndarray) -> float:
    """Interquartile range / 1.349 of the finite `values`; NaN when it is 0 or undefined.

    When more than half of the values are equal the IQR is 0; the standard deviation of
    the winsorised values stands in then (0 only for a constant column).
    """
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return float("nan")
    q1, q3 = np.quantile(finite, [0.25, 0.75])
    scale = (q3 - q1) / IQR_PER_SD
    if scale <= 0:
        scale = float(np.std(np.clip(finite, *np.quantile(finite, WINSOR_QUANTILES))))
    return float(scale) if scale > 0 else float("nan")


def wasserstein_effect(reference: np.ndarray, current: np.ndarray, scale: float) -> float:
    """Wasserstein-1 distance of the winsorised finite samples, in units of `scale`.

    Both samples are clipped to the reference's 1st-99th percentile range first.
    NaN when either sample has no finite value or the scale is undefined.
    """
    ref = reference[np.isfinite(reference)]
    cur = current[np.isfinite(current)]
    if ref.size == 0 or cur.size == 0 or not np.isfinite(scale):
        return float("nan")
    low, high = np.quantile(ref, WINSOR_QUANTILES)
    distance = stats.wasserstein_distance(np.clip(ref, low, high), np.clip(cur, low, high))
    return float(distance / scale)


def holm(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries (untested) stay NaN and do not count.

    Rejecting where the adjusted p-value is below ``alpha`` keeps the chance of any false
    rejection at or below ``alpha`` whatever the dependence between the tests. (SciPy's
    ``false_discovery_control`` offers only the FDR procedures; four lines here spare a
    statsmodels dependency.)
    """
    p = np.asarray(pvalues, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    steps = (m - np.arange(m)) * p[order]
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return adjusted
