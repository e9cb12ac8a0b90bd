"""Cleaning steps: make raw financial ratios safe for the steps after them."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


class InfToNaN(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace +/-inf by NaN so imputers treat them as missing."""

    def fit(self, X, y=None):
        """Record the input width and column names."""
        validate_data(self, X, ensure_all_finite=False, dtype=np.float64)
        return self

    def transform(self, X):
        """Return a float copy of `X` with infinities replaced by NaN."""
        check_is_fitted(self)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        return np.where(np.isinf(values), np.nan, values)
