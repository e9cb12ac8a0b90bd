"""Searches for plans: candidate changes of flagged firms, scored through the package in batches.

A search turns firms into a `Pool` each: the valid candidates (changed values that bring the PD
below the target) and the closest one reached, for the engine to choose plans from. Two kinds:

- `GridSearch`, for any model: every movable feature tried alone at the training quantiles
  (`LEVELS` of them, the allowed way only), then every pair of the `TOP` features that lowered
  the PD most alone; firms that still lack candidates for their plans then get a beam search:
  their `BEAM` most promising combinations extended by one more feature, any of them, level by
  level up to ``max_changes`` (it finds what a greedy path of best additions finds, and more).
  Each level of all the batch's firms is one call of the package's scoring.
  A chosen candidate is then `finish`\\ ed: the cheapest scaled change along the line from the
  firm to it that still reaches the target (the quantile grid is coarse), in nice numbers
  where they stay valid, re-scored through the package.
- exact searches of models whose PD has a closed form (the scorecard's points table:
  `bankruptcy.recourse.scorecard`; an EBM's shapes: `bankruptcy.recourse.ebm`, whose exact
  single changes replace the grid's first level); the engine picks the first whose
  ``applies`` accepts the package, the grid otherwise. A new model family adds its class to
  the engine's `EXACT`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bankruptcy.recourse.constraints import FeatureSpace, tidy

#: Training quantiles each feature is tried at (1st to 99th percentile).
LEVELS = 21
#: Features per firm whose combinations are tried (those that lowered the PD most alone).
TOP = 8
#: Values per feature in a combination.
PER_FEATURE = 6
#: Combinations per firm extended by one more feature (the lowest PDs, one per feature set).
BEAM = 8
#: Valid feature sets after which a firm's search stops going deeper.
ENOUGH = 8
#: Most candidate rows scored in one call of the beam (memory stays bounded).
CALL_ROWS = 60_000
#: Scales of a candidate's changes `GridSearch.finish` tries at once (the smallest valid change
#: is found to 1/32 of the candidate's, plus rounding; finer costs rows, a second pass a call).
SCALES = 32


@dataclass(slots=True)
class Candidate:
    """A set of changes: `features` (contract positions) set to `values`; its cost and PD."""

    features: tuple[int, ...]
    values: tuple[float, ...]
    cost: float
    pd: float


@dataclass
class Pool:
    """A firm's valid candidates, cheapest first, and the closest one to the target."""

    valid: list[Candidate] = field(default_factory=list)
    closest: Candidate | None = None


Scorer = Callable[[np.ndarray], np.ndarray]


@dataclass
class _Level:
    """Scored combinations: firm, features and values (one column per change), PD, cost."""

    firm: np.ndarray
    features: np.ndarray
    values: np.ndarray
    pd: np.ndarray
    cost: np.ndarray

    FIELDS = ("firm", "features", "values", "pd", "cost")


@dataclass
class _Few:
    """Each firm's features by the lowest PD they reached alone (n, p; -1: none) and their
    values to combine (n, p, `PER_FEATURE`; NaN: none)."""

    features: np.ndarray
    values: np.ndarray


def changed(x: np.ndarray, candidate: Candidate) -> np.ndarray:
    """Firm `x` with `candidate`'s changes."""
    row = x.copy()
    row[list(candidate.features)] = candidate.values
    return row


class GridSearch:
    """Quantile-grid search through any package (see the module docstring).

    Parameters
    ----------
    score : callable
        Rows (contract order, float64) -> the package's PD.
    space : FeatureSpace
        What may move, where to, at what cost.
    reference : ndarray of shape (n, p)
        Training rows: their quantiles are the grid.
    max_changes : int
        Most features one plan changes.
    fill_gaps : bool
        Whether a plan may fill a missing value.
    """

    name = "grid"

    def __init__(
        self,
        score: Scorer,
        space: FeatureSpace,
        reference: np.ndarray,
        max_changes: int,
        fill_gaps: bool = False,
    ):
        self.score = score
        self.space = space
        self.max_changes = max_changes
        self.fill_gaps = fill_gaps
        self.grid = _grid(reference, space)

    def pools(self, X: np.ndarray, target: float) -> list[Pool]:
        """A pool per firm of `X` (contract order)."""
        pools = [Pool() for _ in range(len(X))]
        few, level = self._singles(X, target, pools)
        if self.max_changes >= 2:
            self._pairs(X, target, pools, few)
        for _ in range(2, self.max_changes + 1):
            level = self._extend(X, target, pools, few, level)
        for pool in pools:
            pool.valid.sort(key=lambda c: c.cost)
        return pools

    @staticmethod
    def chunk(need: int) -> int:
        """Candidates a firm needing `need` more plans sends to `finish` at once (each costs
        `SCALES` rows; a second round costs a call)."""
        return 2 * need + 2

    def finish(self, X: np.ndarray, firms: np.ndarray, found: list[Candidate], target: float):
        """Each candidate (of firm ``X[firms[k]]``) scaled back toward its firm as far as it
        stays valid and in range, in one scoring call: its changes times each of `SCALES`,
        rounded away from the firm (`FeatureSpace.nice`); the cheapest valid one replaces it,
        with the package's PD (the candidate itself, scored by its level, where none is)."""
        if not found:
            return []
        scales = np.arange(1, SCALES + 1) / SCALES
        rows, costs = [], []
        for f, c in zip(firms, found, strict=True):
            x, features = X[f], np.array(c.features)
            start = self._start(x, c)
            values = self.space.nice(
                x[features], start + scales[:, None] * (np.array(c.values) - start), features
            )
            block = np.repeat(x[None], SCALES, axis=0)
            block[:, features] = values
            rows.append(block)
            # a firm outside a feature's range: the scaled-back values may fall outside it too
            inside = (values >= self.space.low[features]) & (values <= self.space.high[features])
            cost = self.space.costs(x[features], values, features).sum(axis=1)
            costs.append(np.where(inside.all(axis=1), cost, np.inf))
        pd = self.score(np.concatenate(rows)).reshape(len(found), SCALES)
        out = []
        for k, c in enumerate(found):
            cost = np.where(pd[k] < target, costs[k], np.inf)
            best = int(np.argmin(cost))
            if cost[best] < c.cost or (np.isfinite(cost[best]) and cost[best] == c.cost):
                values = tuple(float(v) for v in rows[k][best, list(c.features)])
                c = Candidate(c.features, values, float(cost[best]), float(pd[k, best]))
            out.append(c)
        return out

    # -- the levels ----------------------------------------------------------------------

    def _singles(self, X: np.ndarray, target: float, pools: list[Pool]) -> tuple[_Few, _Level]:
        """Every allowed grid value of every feature, alone; the cheapest valid one of each
        feature joins the pool. Returns each firm's features (by the lowest PD they reached)
        with up to `PER_FEATURE` of their values closer than the first valid one (what
        combinations are made of), and the scored singles."""
        firm, feature, value = self._grid_moves(X)
        level = self._score(X, target, pools, firm, feature[:, None], value[:, None])
        return _few_values(level, X.shape, target), level

    def _grid_moves(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every allowed single move of the firms of `X` to a grid value: firm, feature,
        value."""
        space, grid = self.space, self.grid
        x = X[:, :, None]
        with np.errstate(invalid="ignore"):
            rise = (grid > x) & space.can_rise[None, :, None]
            fall = (grid < x) & space.can_fall[None, :, None]
        gap = ~np.isfinite(x) & (self.fill_gaps & space.movable)[None, :, None]
        allowed = np.where(np.isfinite(x), rise | fall, gap) & np.isfinite(grid)[None]
        firm, feature, level = np.nonzero(allowed)
        return firm, feature, grid[feature, level]

    def _pairs(self, X, target, pools, few: _Few) -> _Level:
        """Every pair of a firm's `TOP` features, at their few values."""
        a, b = np.triu_indices(min(TOP, few.features.shape[1]), k=1)
        firm = np.repeat(np.arange(len(X)), len(a))
        a, b = np.tile(a, len(X)), np.tile(b, len(X))
        per = few.values.shape[2]
        u, v = np.repeat(np.arange(per), per), np.tile(np.arange(per), per)
        firm, a, b = (np.repeat(z, len(u)) for z in (firm, a, b))
        u, v = np.tile(u, len(a) // len(u)), np.tile(v, len(a) // len(u))
        features = np.column_stack([few.features[firm, a], few.features[firm, b]])
        values = np.column_stack([few.values[firm, a, u], few.values[firm, b, v]])
        keep = np.isfinite(values).all(axis=1) & (features >= 0).all(axis=1)
        return self._score(X, target, pools, firm[keep], features[keep], values[keep])

    def _extend(self, X, target, pools, few: _Few, level: _Level) -> _Level:
        """For firms with fewer valid feature sets than `ENOUGH`: their `BEAM` lowest-PD invalid
        combinations of `level` (one per feature set), each with one more feature, any of
        them, at its few values. Returns the new level, scored."""
        invalid = np.flatnonzero(level.pd >= target)
        short = np.array([len({c.features for c in p.valid}) < ENOUGH for p in pools])
        invalid = invalid[short[level.firm[invalid]]]
        parents = _best_per_set(level.firm[invalid], level.features[invalid], level.pd[invalid])
        parents = invalid[parents]
        per = few.values.shape[2]
        width = few.features.shape[1] * per
        found = []
        for chunk in np.array_split(parents, max(1, len(parents) * width // CALL_ROWS + 1)):
            parent = np.repeat(chunk, width)
            firm = level.firm[parent]
            extra = np.tile(np.repeat(np.arange(few.features.shape[1]), per), len(chunk))
            slot = np.tile(np.arange(per), len(chunk) * few.features.shape[1])
            new_feature = few.features[firm, extra]
            new_value = few.values[firm, extra, slot]
            fresh = (level.features[parent] != new_feature[:, None]).all(axis=1)
            keep = fresh & (new_feature >= 0) & np.isfinite(new_value)
            features = np.column_stack([level.features[parent], new_feature])[keep]
            values = np.column_stack([level.values[parent], new_value])[keep]
            found.append(self._score(X, target, pools, firm[keep], features, values))
        return (
            _Level(*(np.concatenate([getattr(f, k) for f in found]) for k in _Level.FIELDS))
            if found
            else _Level(*(getattr(level, k)[:0] for k in _Level.FIELDS))
        )

    def _score(self, X, target, pools, firm, features, values) -> _Level:
        """Score firms `X[firm]` with `features` set to `values` (one call); each firm's
        cheapest valid combination per set of features joins its pool; returns them all."""
        if len(firm) == 0:
            return _Level(firm, features, values, np.zeros(0), np.zeros(0))
        rows = X[firm].copy()
        np.put_along_axis(rows, features, values, axis=1)
        pd = self.score(rows)
        start = np.take_along_axis(X[firm], features, axis=1)
        cost = self.space.costs(start, values, features).sum(axis=1)
        return self._collect(target, pools, _Level(firm, features, values, pd, cost))

    def _collect(self, target: float, pools: list[Pool], level: _Level) -> _Level:
        """Each firm's cheapest valid combination of `level` per set of features joins its
        pool, its lowest-PD one its closest; returns `level`."""
        firm, features, values, pd, cost = (getattr(level, k) for k in _Level.FIELDS)
        if len(firm) == 0:
            return level
        self._closest(pools, firm, features, values, cost, pd)
        valid = pd < target
        for k in _cheapest_per_set(firm[valid], features[valid], cost[valid]):
            k = np.flatnonzero(valid)[k]
            pools[firm[k]].valid.append(
                Candidate(
                    tuple(int(j) for j in features[k]),
                    tuple(float(v) for v in values[k]),
                    float(cost[k]),
                    float(pd[k]),
                )
            )
        return level

    def _closest(self, pools, firm, features, values, cost, pd) -> None:
        """Keep each firm's lowest-PD candidate so far (the answer when none is valid)."""
        order = np.lexsort((pd, firm))
        first = np.r_[True, firm[order][1:] != firm[order][:-1]]
        for k in order[first]:
            pool = pools[firm[k]]
            if pool.closest is None or pd[k] < pool.closest.pd:
                pool.closest = Candidate(
                    tuple(int(j) for j in features[k]),
                    tuple(float(v) for v in values[k]),
                    float(cost[k]),
                    float(pd[k]),
                )

    def _start(self, x: np.ndarray, c: Candidate) -> np.ndarray:
        """Where the line toward `c` starts: the firm's values (a gap: the median)."""
        features = np.array(c.features)
        return np.where(np.isfinite(x[features]), x[features], self.space.median[features])


def fed_as_given(package, reference, names: list[str]) -> bool:
    """Whether the steps before `package`'s model leave the finite values of its input
    features `names` as they are (infinities may become missing), on its `reference` rows (a
    DataFrame, contract columns): an exact search reads the model's bins in the contract's
    units."""
    if not set(names) <= set(reference.columns):
        return False
    seen = package.model_rows(reference)[names].to_numpy(float)
    given = reference[names].to_numpy(float)
    given = np.where(np.isfinite(given), given, np.nan)
    return bool(np.array_equal(seen, given, equal_nan=True))


def _grid(reference: np.ndarray, space: FeatureSpace) -> np.ndarray:
    """Per feature (rows), `LEVELS` training quantiles inside its range, its bounds included,
    rounded to the feature's quantum, sorted and unique (NaN-padded)."""
    levels = np.linspace(0.01, 0.99, LEVELS)
    reference = np.where(np.isfinite(reference), reference, np.nan)
    with np.errstate(all="ignore"):
        quantiles = np.nanquantile(reference, levels, axis=0).T
    grid = np.full((len(space.names), LEVELS + 2), np.nan)
    for j in range(len(space.names)):
        low, high = space.low[j], space.high[j]
        if not (np.isfinite(low) and np.isfinite(high)):
            continue
        step = space.quantum[j]
        inner_low, inner_high = (
            tidy(np.ceil(low / step) * step, step),
            tidy(np.floor(high / step) * step, step),
        )
        if inner_low < inner_high:  # nice numbers where the range allows them
            low, high = inner_low, inner_high
            quantiles[j] = tidy(np.round(quantiles[j] / step) * step, step)
        values = np.clip(quantiles[j][np.isfinite(quantiles[j])], low, high)
        values = np.unique(np.r_[low, values, high])
        grid[j, : len(values)] = values
    return grid


def _cheapest_per_set(firm: np.ndarray, features: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Positions of the cheapest row of each (firm, set of features)."""
    if len(firm) == 0:
        return np.zeros(0, dtype=int)
    sets = np.sort(features, axis=1)
    order = np.lexsort((cost, *sets.T[::-1], firm))
    key = np.column_stack([firm, sets])[order]
    first = np.r_[True, (key[1:] != key[:-1]).any(axis=1)]
    return order[first]


def _best_per_set(firm: np.ndarray, features: np.ndarray, pd: np.ndarray) -> np.ndarray:
    """Positions of each firm's `BEAM` lowest-PD combinations, one per set of features."""
    best = _cheapest_per_set(firm, features, pd)
    order = best[np.lexsort((pd[best], firm[best]))]
    ranked = firm[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left")
    return order[rank < BEAM]


def _few_values(singles: _Level, shape: tuple[int, int], target: float) -> _Few:
    """Each firm's features by the lowest PD they reached alone, with up to `PER_FEATURE` of
    their values closer to the firm than the first valid one (all of them if none is valid),
    evenly spaced by cost, the largest change kept (-1 / NaN: padding)."""
    n, p = shape
    features = np.full((n, p), -1)
    values = np.full((n, p, PER_FEATURE), np.nan)
    if len(singles.firm) == 0:  # nothing may move
        return _Few(features[:, :1], values[:, :1])
    firm, feature = singles.firm, singles.features[:, 0]
    order = np.lexsort((singles.cost, feature, firm))
    firm, feature = firm[order], feature[order]
    edges = np.flatnonzero(np.r_[True, (firm[1:] != firm[:-1]) | (feature[1:] != feature[:-1])])
    bounds = np.r_[edges, len(order)]
    lowest = np.minimum.reduceat(singles.pd[order], edges)
    ranked = np.lexsort((lowest, firm[edges]))  # groups by firm, lowest PD first
    taken = np.zeros(n, dtype=int)
    for g in ranked:
        i = firm[edges[g]]
        rows = order[bounds[g] : bounds[g + 1]]
        valid = singles.pd[rows] < target
        inner = singles.values[rows[: int(np.argmax(valid)) if valid.any() else len(rows)], 0]
        if len(inner) > PER_FEATURE:
            inner = inner[
                np.unique(np.linspace(len(inner) - 1, 0, PER_FEATURE).round().astype(int))
            ]
        features[i, taken[i]] = feature[edges[g]]
        values[i, taken[i], : len(inner)] = inner
        taken[i] += 1
    width = max(1, int(taken.max(initial=0)))
    return _Few(features[:, :width], values[:, :width])
