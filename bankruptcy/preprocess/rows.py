"""Training-row filters that are not about outliers: exact duplicate removal."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

log = logging.getLogger(__name__)


class DropDuplicates(BaseEstimator):
    """Sampler removing exact duplicate training rows (same features and same label).

    As a sampler (``fit_resample``) it runs on training rows only: a duplicate in the test set is
    still scored. Duplicates with different labels are kept (both labels are data).
    """

    _parameter_constraints: dict = {}

    def fit_resample(self, X, y):
        """Return the first occurrence of each (features, label) row; count in `n_removed_`."""
        frame = pd.DataFrame(np.asarray(X, dtype=object))
        frame["__label__"] = np.asarray(y)
        duplicate = frame.duplicated().to_numpy()
        self.n_removed_ = int(duplicate.sum())
        log.info("preprocess/dedup: removed %d duplicate training row(s)", self.n_removed_)
        return X[~duplicate], y[~duplicate]
