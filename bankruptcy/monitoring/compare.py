"""Summaries of metric distributions and their comparison with the reference (test) rows.

Both performance views produce, per metric, a point value and a distribution of
plausible values: bootstrap resamples for realized metrics, label draws for the
label-free estimate. The reference metrics (the package's test rows) have bootstrap
resamples of their own; the two samples are independent, so differences of their draws
are draws of the difference, and a metric is "worse than reference" when the whole
interval of that difference lies on the bad side of zero.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.evaluation.metrics import METRICS


def mean(draws: np.ndarray) -> float:
    """Mean of the non-NaN `draws` (NaN when there is none)."""
    draws = draws[~np.isnan(draws)]
    return float(draws.mean()) if draws.size else float("nan")


def interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    """Central percentile interval of `draws` (NaN draws ignored; NaN when none is left)."""
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def summary(value: float, draws: np.ndarray, confidence: float) -> dict:
    """``{"value", "low", "high"}`` of one metric."""
    low, high = interval(draws, confidence)
    return {"value": float(value), "low": low, "high": high}


def versus_reference(
    name: str,
    draws: np.ndarray,
    value: float,
    reference_draws: np.ndarray,
    reference_value: float,
    confidence: float,
) -> dict:
    """Reference value, difference with its interval, and whether the window is worse.

    `draws` and `reference_draws` are independent draws of the metric `name` on the
    window and on the reference rows; they are paired in order (equal counts).
    """
    count = min(len(draws), len(reference_draws))
    low, high = interval(draws[:count] - reference_draws[:count], confidence)
    worse = high < 0 if METRICS[name].higher_is_better else low > 0
    return {
        "reference": float(reference_value),
        "difference": float(value - reference_value),
        "difference_low": low,
        "difference_high": high,
        "worse_than_reference": bool(worse),
    }
