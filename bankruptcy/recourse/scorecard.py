"""The scorecard's exact plans: the cheapest bin moves that reach the target, from its table.

A scorecard's PD is a closed form of its bins: ``z = intercept + sum_k coef_k * WoE_k[bin]``,
then the logistic function and the package's calibration map. Moving feature ``k`` from its bin
into another changes ``z`` by ``coef_k * (WoE_k[new] - WoE_k[old])`` and costs the distance from
the firm's value to the nearest point of the new bin that lies inside the feature's range
(rounded to the feature's quantum inside the bin, `_entry`), in spreads. Every allowed move of
every feature is an option; every combination of up to ``max_changes`` options on distinct
features is enumerated (a few thousand: a scorecard has at most ``max_features`` features of a
few bins, and a move goes one way), so the engine's plans, chosen cheapest first among them, are
the cheapest valid diverse plans under the same constraints (tests/recourse compares them with a
brute force over every bin assignment).

It applies when the steps before the scorecard leave its features' finite values as they are
(the scorecard's preset ``preprocess=none``: infinities become missing, nothing else), checked
on the package's reference rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from bankruptcy.evaluation.calibration import apply_map
from bankruptcy.models.scorecard import Scorecard
from bankruptcy.recourse.constraints import FeatureSpace, bin_entries
from bankruptcy.recourse.search import Candidate, Pool, Scorer, changed, fed_as_given


class ScorecardSearch:
    """Exact plans of a scorecard package (see the module docstring).

    Parameters
    ----------
    score : callable
        Rows (contract order, float64) -> the package's PD (the final check).
    package : ModelPackage
        A package whose model is a `Scorecard` (`applies`).
    space : FeatureSpace
        What may move, where to, at what cost.
    reference : ndarray
        Training rows (unused: the points table is exact; every search takes them).
    max_changes : int
        Most features one plan changes.
    fill_gaps : bool
        Whether a plan may fill a missing value (its cost: the distance from the median).
    """

    name = "scorecard (exact)"

    def __init__(
        self,
        score: Scorer,
        package,
        space: FeatureSpace,
        reference: np.ndarray,
        max_changes: int,
        fill_gaps: bool = False,
    ):
        model = package.pipeline[-1]
        self.score = score
        self.model = model
        self.space = space
        self.max_changes = max_changes
        self.fill_gaps = fill_gaps
        self.calibration = package.calibration
        self.columns = np.array([space.names.index(n) for n in model.features_])

    @staticmethod
    def applies(package, reference: pd.DataFrame) -> bool:
        """Whether the package's model is a scorecard fed its features' values unchanged."""
        model = package.pipeline[-1]
        return isinstance(model, Scorecard) and fed_as_given(package, reference, model.features_)

    def pools(self, X: np.ndarray, target: float) -> list[Pool]:
        """A pool per firm of `X` (contract order): every valid selectable combination."""
        return [self._pool(x, target) for x in X]

    @staticmethod
    def chunk(need: int) -> int:
        """Candidates sent to `finish` at once: a row each, so many (a round costs a call)."""
        return 8 * need + 8

    def finish(self, X, firms, found: list[Candidate], target: float) -> list[Candidate | None]:
        """The candidates re-scored through the package (one call; None where the package
        disagrees with the points table's arithmetic). Nothing to refine: entry points are
        the cheapest (rounded) values of their bins."""
        if not found:
            return []
        pd = self.score(np.stack([changed(X[f], c) for f, c in zip(firms, found, strict=True)]))
        return [
            Candidate(c.features, c.values, c.cost, float(p)) if p < target else None
            for c, p in zip(found, pd, strict=True)
        ]

    def pd(self, z: np.ndarray) -> np.ndarray:
        """The package's PD of log-odds `z` (the model's probability through the map)."""
        return apply_map(self.calibration, expit(z))

    def _pool(self, x: np.ndarray, target: float) -> Pool:
        options = self._options(x)
        z0 = self._z(x)
        pool = Pool()
        if options["feature"].size == 0:
            return pool
        level = np.arange(len(options["feature"]))[:, None]  # combinations as option indices
        for _ in range(self.max_changes):
            z = z0 + options["dz"][level].sum(axis=1)
            pd = self.pd(z)
            cost = options["cost"][level].sum(axis=1)
            best = int(np.argmin(pd))
            if pool.closest is None or pd[best] < pool.closest.pd:
                pool.closest = self._candidate(options, level[best], cost[best], pd[best])
            valid = pd < target
            pool.valid += [
                self._candidate(options, level[k], cost[k], pd[k]) for k in np.flatnonzero(valid)
            ]
            level = _extend(level, options["feature"])
            if level.size == 0:
                break
        pool.valid.sort(key=lambda c: c.cost)
        return pool

    def _z(self, x: np.ndarray) -> float:
        bins = self._bins(x)
        m = self.model
        woe = np.array([w[b] for w, b in zip(m.woe_, bins, strict=True)])
        return float(m.intercept_ + woe @ m.woe_coef_)

    def _bins(self, x: np.ndarray) -> list[int]:
        out = []
        for k, splits in enumerate(self.model.splits_):
            value = x[self.columns[k]]
            out.append(
                len(splits) + 1
                if not np.isfinite(value)
                else int(np.searchsorted(splits, value, side="right"))
            )
        return out

    def _options(self, x: np.ndarray) -> dict:
        """Every allowed bin move of the firm: feature (scorecard position), new value, cost
        and change of the log-odds."""
        m, space = self.model, self.space
        found = {"feature": [], "column": [], "value": [], "cost": [], "dz": []}
        for k, (splits, bin_now) in enumerate(zip(m.splits_, self._bins(x), strict=True)):
            j = self.columns[k]
            gap = bin_now == len(splits) + 1
            if gap and not (self.fill_gaps and space.movable[j]):
                continue
            edges = np.r_[-np.inf, splits, np.inf]
            for b in range(len(splits) + 1):
                if b == bin_now:
                    continue
                up = gap or b > bin_now
                if not gap and not (space.can_rise[j] if up else space.can_fall[j]):
                    continue
                start = space.median[j] if gap else x[j]
                value = _entry(edges[b], edges[b + 1], space, j, start)
                if value is None:
                    continue
                found["feature"].append(k)
                found["column"].append(j)
                found["value"].append(value)
                found["cost"].append(abs(value - start) / space.spread[j])
                found["dz"].append(m.woe_coef_[k] * (m.woe_[k][b] - m.woe_[k][bin_now]))
        return {key: np.array(values) for key, values in found.items()}

    def _candidate(self, options: dict, combo: np.ndarray, cost: float, pd: float) -> Candidate:
        return Candidate(
            tuple(int(c) for c in options["column"][combo]),
            tuple(float(v) for v in options["value"][combo]),
            float(cost),
            float(pd),
        )


def _extend(level: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Combinations of `level` (option indices) with one more option of a later feature (each
    set of features once, in increasing order)."""
    last = features[level[:, -1]]
    pairs = np.argwhere(features[None, :] > last[:, None])
    return np.column_stack([level[pairs[:, 0]], pairs[:, 1]])


def _entry(low: float, high: float, space: FeatureSpace, j: int, start: float) -> float | None:
    """The value of bin ``[low, high)`` nearest `start` inside feature `j`'s range (see
    `bin_entries`); a gap's `start` inside the bin: `start` itself; None when the bin lies
    outside the range."""
    below, above = (float(e[0]) for e in bin_entries([low], [high], space, j))
    if np.isnan(below):
        return None
    if start < max(low, space.low[j]):
        return below
    b = min(high, space.high[j])
    inside = start < b if high <= space.high[j] else start <= b  # open or closed at the top
    return float(start) if inside else above
