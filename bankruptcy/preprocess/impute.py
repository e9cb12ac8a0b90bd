"""Missing values: imputers that refuse text columns clearly, and missingness flag columns."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone

# Makes sklearn.impute.IterativeImputer importable for conf/preprocess/imputer/iterative.yaml;
# Hydra imports this module (the outer _target_) before resolving the nested one.
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import SimpleImputer
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.preprocess.checks import input_names, require_numeric

STEP = "preprocess/imputer"


class NumericImputer(TransformerMixin, BaseEstimator):
    """Run a scikit-learn imputer after checking every column is numeric.

    scikit-learn's own message for a text column ("could not convert string to float") names
    neither the column nor the fix; this one does.

    Parameters
    ----------
    imputer : estimator or None
        A scikit-learn imputer (``SimpleImputer``, ``KNNImputer``, ``IterativeImputer``); it is
        cloned in `fit`. None: the median of each training column (``preprocess/imputer=median``,
        `_median_imputer`).

    Attributes
    ----------
    imputer_ : estimator
        The fitted clone.
    """

    _parameter_constraints: dict = {"imputer": [HasMethods(["fit", "transform"]), None]}

    def __init__(self, imputer=None):
        self.imputer = imputer

    def fit(self, X, y=None):
        """Check the columns, then fit a clone of `imputer` on `X`."""
        self._validate_params()
        require_numeric(X, STEP)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64)
        imputer = _median_imputer() if self.imputer is None else clone(self.imputer)
        self.imputer_ = imputer.set_output(transform="default").fit(_writable(values))
        return self

    def transform(self, X):
        """Impute `X` with the fitted imputer."""
        check_is_fitted(self)
        require_numeric(X, STEP)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        return self.imputer_.transform(_writable(values))

    def get_feature_names_out(self, input_features=None):
        """The fitted imputer's output names (inputs, plus indicators if it adds them)."""
        check_is_fitted(self)
        return self.imputer_.get_feature_names_out(input_names(self, input_features))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _median_imputer() -> SimpleImputer:
    """Training medians (robust to the ratios' heavy tails); a column without any value is
    kept, filled with 0, so the output width never depends on the rows."""
    return SimpleImputer(strategy="median", keep_empty_features=True)


def _writable(values: np.ndarray) -> np.ndarray:
    """`values`, or a copy if read-only: IterativeImputer writes into its input."""
    # pandas 3 (copy-on-write) hands out read-only views of DataFrames.
    return values if values.flags.writeable else values.copy()


class MissingFlags(TransformerMixin, BaseEstimator):
    """Append a 0/1 column ``<col>_missing`` for columns often missing in training rows.

    Missingness is predictive in bankruptcy data (firms in trouble report less), and the
    imputer after this step erases it.

    Parameters
    ----------
    min_share : float
        Flag a column if it is missing in at least this share of training rows (and at least
        once); rarer gaps would add near-constant noise columns.
    """

    _parameter_constraints: dict = {"min_share": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, min_share=0.01):
        self.min_share = min_share

    def fit(self, X, y=None):
        """Choose the columns to flag from their missing share in `X`."""
        self._validate_params()
        require_numeric(X, "preprocess/indicator")
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64)
        share = np.isnan(values).mean(axis=0)
        self.flagged_ = (share > 0) & (share >= self.min_share)
        return self

    def transform(self, X):
        """`X` followed by the flag columns."""
        check_is_fitted(self)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        return np.hstack([values, np.isnan(values[:, self.flagged_]).astype(np.float64)])

    def get_feature_names_out(self, input_features=None):
        """Input names followed by ``<col>_missing`` names."""
        check_is_fitted(self)
        names = input_names(self, input_features)
        return np.asarray([*names, *(f"{c}_missing" for c in names[self.flagged_])], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
