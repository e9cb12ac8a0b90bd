"""Cleaning steps: make raw financial ratios safe for the steps after them."""

from __future__ import annotations

import logging
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.preprocess.checks import PreprocessError, input_names, require_numeric

log = logging.getLogger(__name__)


class InfToNaN(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace +/-inf by NaN so imputers treat them as missing.

    Ratios with a zero denominator come out of some exports as infinities;
    scikit-learn estimators reject them, imputers handle NaN.
    """

    _parameter_constraints: dict = {}

    def fit(self, X, y=None):
        """Record the input width and column names."""
        self._validated(X, reset=True)
        return self

    def fit_transform(self, X, y=None):
        """`fit` then `transform`, validating `X` once (this step runs in every CV fit)."""
        return _inf_to_nan(self._validated(X, reset=True))

    def transform(self, X):
        """Return a float copy of `X` with infinities replaced by NaN."""
        check_is_fitted(self)
        return _inf_to_nan(self._validated(X, reset=False))

    def _validated(self, X, reset: bool) -> np.ndarray:
        require_numeric(X, "preprocess/clean")
        return validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=reset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class Cleaner(TransformerMixin, BaseEstimator):
    """Infinities -> missing (flagged); drop uninformative columns chosen on training rows.

    Parameters
    ----------
    max_missing : float
        Drop columns missing in more than this share of training rows.
    max_mode_share : float
        Drop constant and near-constant columns: those whose most frequent value covers more
        than this share of the training rows where the column is present.
    flag_infinite : bool
        Append a 0/1 column ``<col>_inf`` for every column that holds +/-inf in training rows:
        an inconsistent value such as a ratio with a zero denominator.
    """

    _parameter_constraints: dict = {
        "max_missing": [Interval(Real, 0, 1, closed="both")],
        "max_mode_share": [Interval(Real, 0, 1, closed="both")],
        "flag_infinite": ["boolean"],
    }

    def __init__(self, max_missing=0.5, max_mode_share=0.999, flag_infinite=True):
        self.max_missing = max_missing
        self.max_mode_share = max_mode_share
        self.flag_infinite = flag_infinite

    def fit(self, X, y=None):
        """Learn which columns to keep and which to flag."""
        self._validate_params()
        require_numeric(X, "preprocess/clean")
        # one row makes every column constant: two at least, or nothing is learned
        values = validate_data(
            self, X, ensure_all_finite=False, dtype=np.float64, ensure_min_samples=2
        )
        names = input_names(self)
        infinite = np.isinf(values)
        frame = pd.DataFrame(np.where(infinite, np.nan, values), columns=names)
        missing = frame.isna().mean().to_numpy()
        mode = np.array([_mode_share(frame[c]) for c in names])
        self.keep_ = (missing <= self.max_missing) & (mode <= self.max_mode_share)
        self.flagged_ = infinite.any(axis=0) if self.flag_infinite else np.zeros(len(names), bool)
        self.dropped_ = {
            str(c): "too many missing values" if miss > self.max_missing else "(near-)constant"
            for c, miss, keep in zip(names, missing, self.keep_, strict=True)
            if not keep
        }
        if self.dropped_:
            log.info(
                "preprocess/clean: dropped %d column(s): %s", len(self.dropped_), self.dropped_
            )
        if not self.keep_.any():
            raise PreprocessError(
                "preprocess/clean drops every column; raise preprocess.clean.max_missing or "
                "preprocess.clean.max_mode_share"
            )
        return self

    def transform(self, X):
        """Kept columns with infinities as NaN, then the infinity flags."""
        check_is_fitted(self)
        require_numeric(X, "preprocess/clean")
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        infinite = np.isinf(values)
        cleaned = np.where(infinite, np.nan, values)[:, self.keep_]
        return np.hstack([cleaned, infinite[:, self.flagged_].astype(np.float64)])

    def get_feature_names_out(self, input_features=None):
        """Kept input names followed by ``<col>_inf`` flag names."""
        check_is_fitted(self)
        names = input_names(self, input_features)
        flags = [f"{c}_inf" for c in names[self.flagged_]]
        return np.asarray([*names[self.keep_], *flags], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _inf_to_nan(values: np.ndarray) -> np.ndarray:
    """A copy of `values` with +/-inf replaced by NaN."""
    return np.where(np.isinf(values), np.nan, values)


def _mode_share(column: pd.Series) -> float:
    """Share of the present values taken by the most frequent one (1.0 for an empty column)."""
    counts = column.value_counts(normalize=True, dropna=True)
    return float(counts.iloc[0]) if len(counts) else 1.0
