"""Training-row filters: the base of the samplers that drop rows, and exact duplicate removal."""

from __future__ import annotations

import logging
from abc import abstractmethod

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from imblearn.utils import check_target_type
from sklearn.utils import get_tags
from sklearn.utils.validation import validate_data

from bankruptcy.preprocess.checks import require_numeric

log = logging.getLogger(__name__)


class RowFilter(BaseSampler):
    """An imbalanced-learn sampler that drops the training rows `_drops` marks.

    As a sampler (``fit_resample``) it runs on training rows only, in the pipeline's ``fit``:
    validation and test rows are never dropped. The input's container comes back (DataFrame
    with its columns and dtypes, Series, list, array), as imbalanced-learn's samplers do.

    Attributes
    ----------
    n_removed_ : int
        Rows the last ``fit_resample`` dropped (also logged).
    """

    # imbalanced-learn's samplers read a sampling strategy; a filter has none to set, so
    # this is a fixed value, not a parameter ("bypass" samplers pass it through unread).
    _sampling_type = "bypass"
    sampling_strategy = "auto"
    #: Shown in the log line.
    STEP = "preprocess/rows"

    def _check_X_y(self, X, y, accept_sparse=None):
        # imbalanced-learn's check, with text columns named in one line, missing and infinite
        # values allowed where the filter takes them (its tags) and no sparse input
        require_numeric(X, self.STEP)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        finite = not get_tags(self).input_tags.allow_nan
        X, y = validate_data(self, X, y, reset=True, ensure_all_finite=finite)
        return X, y, binarize_y

    def fit_resample(self, X, y):
        """`X` and `y` without the rows `_drops` marks, in their own containers.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Their labels.

        Returns
        -------
        X_kept, y_kept
            The kept rows, in the containers `X` and `y` came in.
        """
        self._validate_params()
        return super().fit_resample(X, y)

    def _fit_resample(self, X, y):
        drop = self._drops(X, y)
        self.n_removed_ = int(drop.sum())
        log.info("%s: removed %d training row(s)", self.STEP, self.n_removed_)
        return X[~drop], y[~drop]

    @abstractmethod
    def _drops(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows to drop."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        return tags


class DropDuplicates(RowFilter):
    """Sampler removing exact duplicate training rows (same features and same label).

    The first occurrence of each row is kept; a duplicate in the test set is still scored.
    Duplicates with different labels are kept (both labels are data).
    """

    _parameter_constraints: dict = {}
    STEP = "preprocess/dedup"

    def _drops(self, X, y):
        frame = pd.DataFrame(X)
        frame["__label__"] = y
        return frame.duplicated().to_numpy()
