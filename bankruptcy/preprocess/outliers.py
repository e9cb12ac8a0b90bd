"""Outliers: winsorizing with limits learned on training rows, and outlying-row removal.

Row removal is an imbalanced-learn style sampler (``fit_resample``): the pipeline runs it on
training rows during ``fit`` only, so validation and test rows are never dropped.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.neighbors import LocalOutlierFactor
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.core.params import invalid
from bankruptcy.preprocess.checks import require_numeric
from bankruptcy.preprocess.rows import RowFilter


class Winsorizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip each column to quantiles learned on training rows (missing values stay missing).

    Columns with at most two distinct values (flags) are left alone: clipping a rare 0/1 flag
    at its 99th percentile would erase it.

    Parameters
    ----------
    lower, upper : float
        Quantiles (in [0, 1]) used as clip limits.
    """

    _parameter_constraints: dict = {
        "lower": [Interval(Real, 0, 1, closed="both")],
        "upper": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, lower=0.01, upper=0.99):
        self.lower = lower
        self.upper = upper

    def _validate_params(self) -> None:
        """scikit-learn's checks of each limit, then that they are in order."""
        super()._validate_params()
        if self.upper <= self.lower:
            raise invalid(self, "upper", f"above lower={self.lower}")

    def fit(self, X, y=None):
        """Learn `lower_` and `upper_` limits per column."""
        self._validate_params()
        require_numeric(X, "preprocess/clip")
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing column: limits +/-inf
            lower = np.nanquantile(values, self.lower, axis=0)
            upper = np.nanquantile(values, self.upper, axis=0)
        flags = np.array([np.unique(c[~np.isnan(c)]).size <= 2 for c in values.T], dtype=bool)
        self.lower_ = np.where(flags | np.isnan(lower), -np.inf, lower)
        self.upper_ = np.where(flags | np.isnan(upper), np.inf, upper)
        return self

    def transform(self, X):
        """Clip `X` to the learned limits."""
        check_is_fitted(self)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        return np.clip(values, self.lower_, self.upper_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class DropOutlierRows(RowFilter):
    """Sampler removing training rows an outlier detector flags (``fit_predict`` == -1).

    Parameters
    ----------
    detector : estimator or None
        ``IsolationForest`` or ``LocalOutlierFactor`` (anything with ``fit_predict``); cloned.
        Runs after imputation: neither accepts missing values. None: ``LocalOutlierFactor()``
        (deterministic: no seed to set).
    keep_bankrupt : bool
        Never remove rows of the positive class (the greatest label: bankrupt, 1): failing
        firms are outliers by nature and the rare class.
    """

    _parameter_constraints: dict = {
        "detector": [HasMethods(["fit_predict"]), None],
        "keep_bankrupt": ["boolean"],
    }
    STEP = "preprocess/outlier_rows"

    def __init__(self, detector=None, keep_bankrupt=True):
        self.detector = detector
        self.keep_bankrupt = keep_bankrupt

    def _drops(self, X, y):
        outlier = clone(self._detector()).fit_predict(X) == -1
        if self.keep_bankrupt:
            outlier &= y != np.unique(y)[-1]
        return outlier

    def _detector(self):
        return LocalOutlierFactor() if self.detector is None else self.detector

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = get_tags(self._detector()).input_tags.allow_nan
        return tags
