"""Generated imbalanced data, for demos and tests of mechanics only (not for results)."""

from __future__ import annotations

from numbers import Integral, Real

import pandas as pd
from sklearn.datasets import make_classification
from sklearn.utils._param_validation import Interval, validate_params

from bankruptcy.data.dataset import Dataset, validate


@validate_params(
    {
        "n_samples": [Interval(Integral, 10, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "positive_rate": [Interval(Real, 0, 1, closed="neither")],
        "n_informative": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_synthetic(
    n_samples: int = 2000,
    n_features: int = 20,
    positive_rate: float = 0.05,
    n_informative: int = 5,
    random_state: int = 0,
) -> Dataset:
    """Make an imbalanced binary problem with `make_classification`.

    Parameters
    ----------
    n_samples, n_features, n_informative : int
        Size of the problem.
    positive_rate : float
        Share of rows labelled bankrupt.
    random_state : int
        Seed.
    """
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=0,
        weights=[1 - positive_rate],
        flip_y=0.01,
        random_state=random_state,
    )
    columns = [f"x{i}" for i in range(n_features)]
    return validate(
        Dataset(
            name="synthetic",
            X=pd.DataFrame(X, columns=columns),
            y=pd.Series(y, name="bankrupt").astype("int8"),
            source="sklearn.datasets.make_classification",
        )
    )
