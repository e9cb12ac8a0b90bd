"""Monotone transforms for heavy-tailed ratios."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import preprocessing


def signed_log(X):
    """``sign(x) * log1p(|x|)``: compresses both tails, keeps sign, zero and missing values."""
    return np.sign(X) * np.log1p(np.abs(X))


class QuantileTransformer(preprocessing.QuantileTransformer):
    """scikit-learn's `QuantileTransformer`, quiet when a small training set caps `n_quantiles`.

    scikit-learn then uses one quantile per training row and warns; on small CV folds (the
    Qualitative data, tests) that is expected, and the warning would fail ``-W error`` runs.
    """

    def fit(self, X, y=None):
        """Fit as scikit-learn does, without the n_quantiles > n_samples warning."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "n_quantiles .* is greater than", UserWarning)
            return super().fit(X, y)
