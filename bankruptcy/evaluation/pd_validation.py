"""Validation statistics of probabilities of default (PDs): what a model validation report states.

Beside the registry's ranking power (``gini`` = 2 AUC - 1) and expected calibration error
(``ece``), `calibration_statistics` gives, for one set of labelled rows:

- ``mean_pd`` against ``observed_rate`` with the rate's Wilson interval (``observed_rate_ci_low``
  / ``_ci_high``) and ``mean_pd_pvalue``: calibration-in-the-large, z = (sum y - sum p) /
  sqrt(sum p(1 - p)), two-sided;
- ``calibration_intercept``: a in logit P(y) = a + logit(p) (0 when the PDs are right on
  average) and ``calibration_slope``: b in logit P(y) = a' + b logit(p) (1 when they spread as
  much as the outcomes do; below 1: too extreme, above 1: too timid), both by maximum likelihood;
- ``calibration_pvalue``: Spiegelhalter's (1986) z test of the Brier score against its
  expectation under calibration, z = sum (y - p)(1 - 2p) / sqrt(sum (1 - 2p)^2 p (1 - p)),
  two-sided. Chosen over Hosmer-Lemeshow's decile test, whose deciles of rare-event PDs hold
  expected counts far below the 5 its chi-squared approximation needs and whose verdict moves
  with the binning. Caveats: it has little power against some patterns of miscalibration
  (errors of opposite sign in different PD ranges partly cancel), and with a few dozen
  bankruptcies a p-value above 0.05 means "no evidence against calibration", not proof of it.

`reliability_curve` adds a Wilson interval to each bin's observed rate (the reliability
diagram's confidence bands), `expected_vs_observed` tabulates expected and observed
bankruptcies per risk band (the model card's calibration section).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit
from scipy.stats import norm
from sklearn.calibration import calibration_curve

from bankruptcy.evaluation.calibration import CLIP, fit_logistic

#: Statistics `calibration_statistics` returns (metrics.json: ``<stage>/<name>``).
CALIBRATION_STATISTICS = (
    "mean_pd",
    "observed_rate",
    "observed_rate_ci_low",
    "observed_rate_ci_high",
    "mean_pd_pvalue",
    "calibration_intercept",
    "calibration_slope",
    "calibration_pvalue",
)


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial rate `k` / `n` (vectorised; n > 0)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4)
    return centre - half, centre + half


def _two_sided(z: float) -> float:
    return float(2 * norm.sf(abs(z))) if np.isfinite(z) else float("nan")


def calibration_statistics(y, pd, confidence: float = 0.95) -> dict[str, float]:
    """The calibration statistics of PDs `pd` against 0/1 outcomes `y` (module docstring)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(pd, dtype=np.float64)
    log_odds = logit(np.clip(p, CLIP, 1 - CLIP))
    low, high = wilson_interval(y.sum(), len(y), confidence)
    variance = np.sum(p * (1 - p))
    spread = np.sum((1 - 2 * p) ** 2 * p * (1 - p))
    with np.errstate(divide="ignore", invalid="ignore"):
        citl_z = (y.sum() - p.sum()) / np.sqrt(variance)
        spiegelhalter_z = np.sum((y - p) * (1 - 2 * p)) / np.sqrt(spread)
    _, intercept = fit_logistic(np.empty((len(y), 0)), y, offset=log_odds)
    (slope,), _ = fit_logistic(log_odds, y)
    return {
        "mean_pd": float(p.mean()),
        "observed_rate": float(y.mean()),
        "observed_rate_ci_low": float(low),
        "observed_rate_ci_high": float(high),
        "mean_pd_pvalue": _two_sided(citl_z),
        "calibration_intercept": intercept,
        "calibration_slope": float(slope),
        "calibration_pvalue": _two_sided(spiegelhalter_z),
    }


def reliability_curve(
    y, proba, n_bins: int = 10, strategy: str = "uniform", confidence: float = 0.95
) -> dict[str, np.ndarray]:
    """Observed bankruptcy rate against mean predicted probability, per non-empty bin.

    ``sklearn.calibration.calibration_curve``, plus the number of companies in each bin
    (the figure sizes its markers by it) and the Wilson interval of each observed rate.

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
    confidence : float
        Coverage of the intervals.

    Returns
    -------
    dict with ``predicted`` (mean probability), ``observed`` (share of bankrupt
    companies), ``observed_low`` / ``observed_high`` (its interval) and ``count``
    (companies) of each non-empty bin.
    """
    proba = np.asarray(proba, dtype=float)
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy=strategy)
    # the bins calibration_curve uses, to count the companies in each
    if strategy == "quantile":
        edges = np.percentile(proba, np.linspace(0, 100, n_bins + 1))
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    count = np.bincount(np.searchsorted(edges[1:-1], proba), minlength=n_bins)
    count = count[count > 0]
    low, high = wilson_interval(observed * count, count, confidence)
    return {
        "predicted": predicted,
        "observed": observed,
        "observed_low": low,
        "observed_high": high,
        "count": count,
    }


def expected_vs_observed(y, pd, groups, order, confidence: float = 0.95) -> list[dict]:
    """Expected (sum of PDs) and observed bankruptcies of the rows of each group in `order`.

    Parameters
    ----------
    y : array of 0/1
        Outcomes.
    pd : array of float
        PDs of the same rows.
    groups : array
        Group (e.g. risk band) of each row.
    order : sequence
        The groups to report, in order (empty ones included, with zero rows).
    """
    y, p, groups = np.asarray(y), np.asarray(pd, dtype=float), np.asarray(groups)
    table = []
    for name in order:
        rows = groups == name
        n, observed = int(rows.sum()), int(y[rows].sum())
        entry = {"group": name, "rows": n, "expected": float(p[rows].sum()), "observed": observed}
        if n:
            low, high = wilson_interval(observed, n, confidence)
            entry |= {
                "mean_pd": float(p[rows].mean()),
                "observed_rate": observed / n,
                "observed_rate_ci_low": float(low),
                "observed_rate_ci_high": float(high),
            }
        table.append(entry)
    return table
