"""Feature selection: a correlation filter, and scikit-learn selectors that refuse a too-large k.

scikit-learn only warns when ``k`` (or ``n_features_to_select``, ``max_features``) exceeds the
number of features and then keeps them all; a sweep would silently compare identical jobs.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn import feature_selection
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from bankruptcy.preprocess.checks import check_k


class _RefusesLargeK:
    """Mixin: check the feature-count parameter against the input width before fitting."""

    k_param = "k"
    min_samples = 1

    def fit(self, X, y=None, **params):
        # scikit-learn's own messages for rows that are no 2-D table (or too few), then the width
        width = check_array(
            X,
            accept_sparse=get_tags(self).input_tags.sparse,
            ensure_all_finite=False,
            dtype=None,
            ensure_min_samples=self.min_samples,
            estimator=self,
        ).shape[1]
        check_k(
            self.get_params()[self.k_param],
            width,
            f"preprocess/select ({type(self).__name__})",
            self.k_param,
        )
        return super().fit(X, y, **params)


class MutualInfoKBest(_RefusesLargeK, feature_selection.SelectKBest):
    """Keep the `k` columns with the highest mutual information with the label.

    `sklearn.feature_selection.SelectKBest` scored by ``mutual_info_classif`` with its own
    seed, as a method rather than a stored function, so a saved model holds no callable.

    Parameters
    ----------
    k : int
        Columns kept.
    n_neighbors : int
        Neighbours of the mutual-information estimate.
    random_state : int or None
        Seed of the estimate's noise.
    """

    min_samples = 2  # neighbours of a row need another row

    _parameter_constraints: dict = {
        "k": [Interval(Integral, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, k=20, n_neighbors=3, random_state=None):
        self.k = k
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def score_func(self, X, y):
        """Mutual information of each column with `y`, every column taken as continuous (the
        estimator's default for dense rows; for sparse rows it would switch to counting)."""
        return feature_selection.mutual_info_classif(
            X,
            y,
            discrete_features=False,
            n_neighbors=self.n_neighbors,
            random_state=self.random_state,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # k-NN estimates need continuous, so dense, columns
        return tags


class RFE(_RefusesLargeK, feature_selection.RFE):
    """`sklearn.feature_selection.RFE` that raises if ``n_features_to_select`` is too large."""

    k_param = "n_features_to_select"


class SelectFromModel(_RefusesLargeK, feature_selection.SelectFromModel):
    """`sklearn.feature_selection.SelectFromModel` that raises if ``max_features`` is too large."""

    k_param = "max_features"


class CorrelationFilter(SelectorMixin, BaseEstimator):
    """Drop a column when its absolute correlation with an earlier kept column is too high.

    Columns are visited in input order, so the original ratios win over derived copies.
    Correlations are computed on training rows, pairwise over present values.

    Parameters
    ----------
    threshold : float
        Largest absolute correlation (in (0, 1]) a kept column may have with another kept one.
    method : str
        ``"pearson"`` or ``"spearman"`` (rank; robust to the heavy tails of raw ratios).
    """

    _parameter_constraints: dict = {
        "threshold": [Interval(Real, 0, 1, closed="right")],
        "method": [StrOptions({"pearson", "spearman"})],
    }

    def __init__(self, threshold=0.95, method="spearman"):
        self.threshold = threshold
        self.method = method

    def fit(self, X, y=None):
        """Learn `support_`, the mask of kept columns."""
        self._validate_params()
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64)
        corr = pd.DataFrame(values).corr(method=self.method).abs().fillna(0.0).to_numpy()
        keep = []
        for j in range(values.shape[1]):
            if all(corr[j, i] <= self.threshold for i in keep):
                keep.append(j)
        self.support_ = np.isin(np.arange(values.shape[1]), keep)
        return self

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
