"""Probability calibration: the optional pipeline wrapper and the reliability curve.

The wrapper is chosen by the ``calibration`` config group. ``none`` is
`uncalibrated` (returns the model unchanged); ``sigmoid`` / ``isotonic``
instantiate ``sklearn.calibration.CalibratedClassifierCV`` around the model,
whose internal CV runs on the rows the pipeline is fitted on (training rows
only), so test rows never shape the calibration map.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import calibration_curve


def uncalibrated(model):
    """Return `model` unchanged (the ``calibration=none`` option)."""
    return model


def reliability_curve(
    y, proba, n_bins: int = 10, strategy: str = "uniform"
) -> dict[str, np.ndarray]:
    """Observed bankruptcy rate against mean predicted probability, per non-empty bin.

    ``sklearn.calibration.calibration_curve``, plus the number of companies in each bin
    (the figure sizes its markers by it).

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
    proba = np.asarray(proba, dtype=float)
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy=strategy)
    # the bins calibration_curve uses, to count the companies in each
    if strategy == "quantile":
        edges = np.percentile(proba, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    count = np.bincount(np.searchsorted(edges[1:-1], proba), minlength=n_bins)
    return {"predicted": predicted, "observed": observed, "count": count[count > 0]}
