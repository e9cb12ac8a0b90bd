"""Resampling helpers that keep imbalanced-learn samplers safe on small folds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods

from bankruptcy.core.errors import DataError


class CappedNeighbors(BaseEstimator):
    """Run a SMOTE-family sampler with its neighbour counts capped to the fold's minority size.

    SMOTE draws neighbours among bankrupt rows only; a fold with five bankrupt
    rows cannot give ``k_neighbors=5``. Rather than crash, each fit uses
    ``min(k, n_minority - 1)``. A fold with fewer than two bankrupt rows
    cannot be interpolated at all and raises a clear error.

    Parameters
    ----------
    sampler : imblearn sampler
        The sampler to run (cloned at each fit).
    params : sequence of str
        Parameter names to cap, matched at any nesting depth (``k_neighbors``
        also caps ``smote__k_neighbors``).
    """

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit_resample"])],
        "params": [list, tuple],
    }

    def __init__(self, sampler, params: Sequence[str] = ("k_neighbors",)):
        self.sampler = sampler
        self.params = params

    def fit_resample(self, X, y):
        """Resample `X`, `y` with the capped sampler; return the new rows."""
        self._validate_params()
        counts = np.unique(np.asarray(y), return_counts=True)[1]
        n_minority = int(counts.min())
        if n_minority < 2:
            raise DataError(
                f"{type(self.sampler).__name__} needs at least 2 bankrupt rows in each training "
                f"fold, this one has {n_minority}; use fewer folds (protocol.n_splits) or "
                "sampler=random_over"
            )
        sampler = clone(self.sampler)
        capped = {
            name: min(value, n_minority - 1)
            for name, value in sampler.get_params(deep=True).items()
            if name.rsplit("__", 1)[-1] in self.params and isinstance(value, int)
        }
        self.sampler_ = sampler.set_params(**capped)
        return self.sampler_.fit_resample(X, y)

    def fit(self, X, y):
        """Fit the capped sampler (for API completeness; pipelines call `fit_resample`)."""
        self.fit_resample(X, y)
        return self
