"""An EBM's exact single changes: every value a feature can usefully take, from its shapes.

An Explainable Boosting Machine's log-odds are a sum of lookups (`bankruptcy.models.ebm`): as
one feature moves, the others fixed, they change only where one of the feature's terms (its
own shape or an interaction it is in) changes bin, and are constant in between. So the
feature's cuts (`ExplainableBoosting.feature_cuts`) split its range into pieces, each piece
has one log-odds for a given firm (`ExplainableBoosting.logit_curves`, exact, the firm's
other values in its interactions), and the cheapest way into a piece is its end nearest the
firm (`bankruptcy.recourse.constraints.bin_entries`: inside the 1st-99th percentile range,
rounded to the feature's quantum where that stays in the piece). Every piece on the allowed
side of every movable feature is priced this way: the PD (the log-odds through the
logistic function and the package's calibration map) and cost of each, for each firm. The
cheapest valid value of each feature is therefore exact: no value of that feature within the
constraints reaches the target more cheaply (tests/recourse check this by brute force).

Plans of two or three changes are not additive in a pair's features (an interaction's
contribution depends on both), so they are not claimed exact: each firm's per-feature
frontiers (the pieces that lower the PD more than every cheaper one) are what the grid
search (`GridSearch`) combines in pairs and its beam, re-scored through the package, in
place of its 21 quantiles. Every plan is re-scored through the full package before it is
returned (the engine's rule).

It applies when the package's model is an `ExplainableBoosting` fed its features' values
unchanged (the EBM's preset ``preprocess=none``: infinities become missing), checked on the
package's reference rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from bankruptcy.evaluation.calibration import apply_map
from bankruptcy.models.ebm import ExplainableBoosting
from bankruptcy.recourse.constraints import FeatureSpace, bin_entries
from bankruptcy.recourse.search import GridSearch, Pool, Scorer, _few_values, _Level, fed_as_given


@dataclass(frozen=True)
class _Pieces:
    """One feature's pieces inside its range: the contract position, the index of each piece
    among ``(-inf, cut_0), [cut_0, cut_1), ...`` and its cheapest value from below and from
    above."""

    column: int
    index: np.ndarray
    below: np.ndarray
    above: np.ndarray
    cuts: np.ndarray


class EbmSearch(GridSearch):
    """Exact single changes of an EBM package, with the grid's combinations (module
    docstring).

    Parameters
    ----------
    score : callable
        Rows (contract order, float64) -> the package's PD (combinations, the final check).
    package : ModelPackage
        A package whose model is an `ExplainableBoosting` (`applies`).
    space : FeatureSpace
        What may move, where to, at what cost.
    reference : ndarray of shape (n, p)
        Training rows: their quantiles are the values combinations are made of.
    max_changes : int
        Most features one plan changes.
    fill_gaps : bool
        Whether a plan may fill a missing value (its cost: the distance from the median).
    """

    name = "ebm (exact single changes)"

    def __init__(
        self,
        score: Scorer,
        package,
        space: FeatureSpace,
        reference: np.ndarray,
        max_changes: int,
        fill_gaps: bool = False,
    ):
        super().__init__(score, space, reference, max_changes, fill_gaps)
        self.model: ExplainableBoosting = package.pipeline[-1]
        self.calibration = package.calibration
        self.inputs = [str(n) for n in self.model.ebm_.feature_names_in_]
        self.columns = np.array([space.names.index(n) for n in self.inputs])
        self.pieces = {
            name: self._pieces(name, int(j))
            for name, j in zip(self.inputs, self.columns, strict=True)
            if space.movable[j]
        }

    @staticmethod
    def applies(package, reference: pd.DataFrame) -> bool:
        """Whether the package's model is an EBM fed its features' values unchanged."""
        model = package.pipeline[-1]
        if not isinstance(model, ExplainableBoosting):
            return False
        return fed_as_given(package, reference, [str(n) for n in model.ebm_.feature_names_in_])

    def pd(self, z: np.ndarray) -> np.ndarray:
        """The package's PD of log-odds `z` (the model's probability through the map)."""
        return apply_map(self.calibration, expit(np.ravel(z))).reshape(np.shape(z))

    def _pieces(self, name: str, j: int) -> _Pieces:
        cuts = self.model.feature_cuts(name)
        below, above = bin_entries(np.r_[-np.inf, cuts], np.r_[cuts, np.inf], self.space, j)
        index = np.flatnonzero(np.isfinite(below))
        return _Pieces(j, index, below[index], above[index], cuts)

    def _singles(self, X: np.ndarray, target: float, pools: list[Pool]):
        """Every piece of every movable feature, priced exactly for each firm: the cheapest
        valid value of each feature joins the pool (and the lowest PD its closest). Returns
        what the grid combines (its values, priced from the same curves, exactly) and their
        level."""
        rows = pd.DataFrame(X[:, self.columns], columns=self.inputs)
        # one value per piece prices it: the log-odds are constant over the piece
        curves = self.model.logit_curves_of(rows, {n: p.below for n, p in self.pieces.items()})
        width = np.cumsum([c.shape[1] for c in curves.values()])[:-1]
        pds = np.split(self.pd(np.concatenate(list(curves.values()), axis=1)), width, axis=1)
        best = [
            self._best(X, pd_, p, target) for pd_, p in zip(pds, self.pieces.values(), strict=True)
        ]
        if best:
            self._collect(target, pools, _Level(*(
                np.concatenate([getattr(b, k) for b in best]) for k in _Level.FIELDS
            )))  # fmt: skip
        firm, feature, value = self._grid_moves(X)
        pd_grid = np.empty(len(firm))
        for pd_, pieces in zip(pds, self.pieces.values(), strict=True):
            at = np.flatnonzero(feature == pieces.column)
            piece = np.searchsorted(pieces.cuts, value[at], side="right")
            pd_grid[at] = pd_[firm[at], np.searchsorted(pieces.index, piece)]
        cost = self.space.costs(X[firm, feature], value, feature)
        level = _Level(firm, feature[:, None], value[:, None], pd_grid, cost)
        return _few_values(level, X.shape, target), level

    def _best(self, X: np.ndarray, pd_: np.ndarray, pieces: _Pieces, target: float) -> _Level:
        """Each firm's cheapest valid piece of one feature and its lowest-PD piece (`pd_`:
        the PD in each piece), as a level of single changes."""
        j, space = pieces.column, self.space
        x = X[:, j]
        gap = ~np.isfinite(x)
        start = np.where(gap, space.median[j], x)
        own = np.searchsorted(pieces.cuts, start, side="right")[:, None]  # the firm's piece
        index = pieces.index[None, :]
        value = np.where(
            index > own, pieces.below, np.where(index < own, pieces.above, start[:, None])
        )
        allowed = np.where(
            gap[:, None],
            self.fill_gaps,
            ((index > own) & space.can_rise[j]) | ((index < own) & space.can_fall[j]),
        )
        cost = np.abs(value - start[:, None]) / space.spread[j]
        cheapest = np.argmin(np.where(allowed & (pd_ < target), cost, np.inf), axis=1)
        lowest = np.argmin(np.where(allowed, pd_, np.inf), axis=1)
        firm = np.r_[np.arange(len(X)), np.arange(len(X))]
        k = np.r_[cheapest, lowest]
        keep = allowed[firm, k]
        firm, k = firm[keep], k[keep]
        features = np.full((len(firm), 1), j)
        return _Level(firm, features, value[firm, k][:, None], pd_[firm, k], cost[firm, k])
