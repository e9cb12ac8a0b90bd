"""Probability calibration: the optional pipeline wrapper and the reliability curve.

The wrapper is chosen by the ``calibration`` config group. ``none`` is
`uncalibrated` (returns the model unchanged); ``sigmoid`` / ``isotonic``
instantiate ``sklearn.calibration.CalibratedClassifierCV`` around the model,
whose internal CV runs on the rows the pipeline is fitted on (training rows
only), so test rows never shape the calibration map.
"""

from __future__ import annotations

import numpy as np


def uncalibrated(model):
    """Return `model` unchanged (the ``calibration=none`` option)."""
    return model


def reliability_curve(
    y, proba, n_bins: int = 10, strategy: str = "uniform"
) -> dict[str, np.ndarray]:
    """Observed bankruptcy rate against mean predicted probability, per non-empty bin.

    Parameters
    ----------
    y : array of 0/1
        True labels.
    proba : array of float in [0, 1]
        Predicted probability of bankruptcy.
    n_bins : int
        Number of bins.
    strategy : {"uniform", "quantile"}
        Evenly spaced bin edges, or edges at score quantiles. With 2-7 %
        bankrupt companies and confident models, quantile bins put almost all
        bins near 0; uniform bins with their counts show the whole range.

    Returns
    -------
    dict with ``predicted`` (mean probability), ``observed`` (share of bankrupt
    companies) and ``count`` (companies) of each non-empty bin.
    """
    y, proba = np.asarray(y, dtype=float), np.asarray(proba, dtype=float)
    if strategy == "quantile":
        edges = np.unique(np.quantile(proba, np.linspace(0, 1, n_bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise ValueError(f"reliability curve strategy must be uniform or quantile, got {strategy}")
    bins = np.clip(np.searchsorted(edges[1:-1], proba, side="right"), 0, len(edges) - 2)
    count = np.bincount(bins, minlength=len(edges) - 1)
    filled = count > 0
    sums = {
        key: np.bincount(bins, weights=values, minlength=len(edges) - 1)[filled]
        for key, values in (("predicted", proba), ("observed", y))
    }
    return {
        "predicted": sums["predicted"] / count[filled],
        "observed": sums["observed"] / count[filled],
        "count": count[filled],
    }
