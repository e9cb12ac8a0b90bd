"""Input checks shared by the preprocessing steps (one-line errors naming the fix), and names."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError


class PreprocessError(UserError):
    """A preprocessing step cannot run on its input or with its settings (shown as one line)."""


def require_numeric(X, step: str) -> None:
    """Raise `PreprocessError` naming the text columns of `X`, if any.

    Parameters
    ----------
    X : pandas.DataFrame or array-like
        Input of a step; only DataFrames carry column types worth checking.
    step : str
        Config option of the step, e.g. ``"preprocess/imputer=median"``.
    """
    if not isinstance(X, pd.DataFrame):
        return
    # dtypes, not X[c]: building a Series per column costs more than the step itself
    text = [str(c) for c, dtype in X.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    if text:
        raise PreprocessError(
            f"{step}: column(s) {text[:8]} hold text, not numbers; encode them as numbers "
            "or drop them in the dataset config before preprocessing"
        )


def check_k(k, n_features: int, step: str, name: str = "k") -> None:
    """Raise `PreprocessError` if an integer `k` asks for more features than there are.

    Fractions (floats) and ``None`` are left to the estimator's own validation.
    """
    if isinstance(k, numbers.Integral) and not isinstance(k, bool) and k > n_features:
        raise PreprocessError(
            f"{step}: {name}={k} but only {n_features} features reach this step; "
            f"set preprocess.select.{name} <= {n_features} (CLI: preprocess.select.{name}=...)"
        )


def input_names(estimator, input_features=None) -> np.ndarray:
    """Names of a fitted estimator's input columns.

    `input_features` when given (a pipeline passes the previous step's output names, since
    steps hand each other arrays), else the column names seen in ``fit``, else scikit-learn's
    ``x0, x1, ...``.
    """
    if input_features is not None:
        if len(input_features) != estimator.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names, but "
                f"{type(estimator).__name__} was fitted on {estimator.n_features_in_} columns"
            )
        return np.asarray(input_features, dtype=object)
    default = np.asarray([f"x{i}" for i in range(estimator.n_features_in_)], dtype=object)
    return getattr(estimator, "feature_names_in_", default)


def listed(names, shown: int = 10) -> str:
    """The first `shown` of `names`, comma-separated, and ``...`` if there are more (for a
    message naming the columns a step received)."""
    names = [str(n) for n in names]
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")
