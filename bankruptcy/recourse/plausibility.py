"""Does a changed firm look like real firms? Its distance to the nearest healthy training firms.

Every feature is read on its training percentile scale (0..1, the empirical distribution of the
package's reference sample of training rows), so a ratio's wild tail weighs no more than its
middle and features in millions weigh as much as ratios. Two firms' distance is the root mean
square of their differences over the features both report (a missing value is skipped, as in
Gower's distance). A firm's **outlier score** is its mean distance to its `k` nearest healthy
reference firms divided by the median of the same quantity among healthy reference firms (each
left out of its own neighbours): 1 is as typical as the typical healthy firm.

A plan is **plausible** when the changed firm's score is at most the `limit_quantile` (99th
percentile) of the healthy firms' scores, or at most the firm's own score before the change:
a plan never makes a firm look less like real firms than it already did and than almost all
healthy firms do. Distances are three matrix products (squared differences expanded), so a
batch of plans costs a few BLAS calls.
"""

from __future__ import annotations

import numpy as np

#: Quantiles each feature's percentile scale is read from.
LEVELS = 257
#: Neighbours a firm's score averages over.
NEIGHBOURS = 10
#: Healthy reference firms the distances are taken to (a random subset above it).
REFERENCE_ROWS = 2000
#: Healthy firms whose own scores set the scale and the limit.
CALIBRATION_ROWS = 300
LIMIT_QUANTILE = 0.99


class Plausibility:
    """Outlier scores of firms against the healthy firms of a reference sample.

    Parameters
    ----------
    reference : ndarray of shape (n, p)
        Training rows in the contract's order (NaN and infinities as they came).
    healthy : ndarray of bool, shape (n,), or None
        Which rows did not go bankrupt; None takes every row (packages without labels).
    seed : int
        Seed of the subsets.

    Attributes
    ----------
    typical : float
        Median mean-distance of healthy firms to their neighbours (the score's unit).
    limit : float
        The `LIMIT_QUANTILE` of healthy firms' scores: above it (and above the firm's own
        score before the plan) a plan is implausible.
    """

    def __init__(self, reference: np.ndarray, healthy: np.ndarray | None = None, seed: int = 0):
        reference = np.asarray(reference, dtype=float)
        with np.errstate(all="ignore"):
            finite = np.where(np.isfinite(reference), reference, np.nan)
            self.quantiles = np.nanquantile(finite, np.linspace(0, 1, LEVELS), axis=0).T
        rows = np.flatnonzero(np.ones(len(reference), bool) if healthy is None else healthy)
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.permutation(rows)[:REFERENCE_ROWS])
        self._neighbours = _Expanded(self.percentiles(reference[rows]))
        own = rng.permutation(len(rows))[:CALIBRATION_ROWS]
        distances = self._neighbours.distances(self.percentiles(reference[rows[own]]))
        distances[np.arange(len(own)), own] = np.inf  # not its own neighbour
        raw = _nearest_mean(distances)
        self.typical = float(np.median(raw))
        self.limit = float(np.quantile(raw / self.typical, LIMIT_QUANTILE))

    def percentiles(self, X: np.ndarray) -> np.ndarray:
        """`X` on each feature's training percentile scale (to 1/`LEVELS`, all features at
        once); NaN where a value is not finite or the feature was never seen."""
        below = (X[:, :, None] > self.quantiles[None]).sum(axis=2)
        at_most = (X[:, :, None] >= self.quantiles[None]).sum(axis=2)
        out = (below + at_most) / (2 * LEVELS)
        known = np.isfinite(X) & np.isfinite(self.quantiles[:, 0])[None]
        return np.where(known, out, np.nan)

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Outlier score of each row of `X` (1 = a typical healthy firm)."""
        if len(X) == 0:
            return np.zeros(0)
        return _nearest_mean(self._neighbours.distances(self.percentiles(X))) / self.typical

    def plausible(self, after: np.ndarray, before: np.ndarray) -> np.ndarray:
        """Whether changed firms (scores `after`) stay plausible given their scores `before`."""
        return after <= np.maximum(self.limit, before)


class _Expanded:
    """Distances to fixed rows with gaps, by ``sum w_a w_b (a - b)^2`` expanded into products."""

    def __init__(self, rows: np.ndarray):
        present = np.isfinite(rows)
        values = np.where(present, rows, 0.0)
        self.present = present.astype(float).T
        self.values = values.T
        self.squares = (values**2).T

    def distances(self, rows: np.ndarray) -> np.ndarray:
        """Root-mean-square difference of each of `rows` to each fixed row, over the features
        both report (inf where they share none)."""
        present = np.isfinite(rows)
        values = np.where(present, rows, 0.0)
        weights = present.astype(float)
        total = (values**2) @ self.present - 2 * values @ self.values + weights @ self.squares
        shared = weights @ self.present
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(shared > 0, np.sqrt(np.maximum(total, 0) / shared), np.inf)


def _nearest_mean(distances: np.ndarray) -> np.ndarray:
    k = min(NEIGHBOURS, distances.shape[1])
    return np.partition(distances, k - 1, axis=1)[:, :k].mean(axis=1)
