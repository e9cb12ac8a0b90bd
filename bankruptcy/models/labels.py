"""Class labels of the project's binary classifiers, read as scikit-learn reads them."""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d


def binary_targets(estimator, y) -> np.ndarray:
    """Set ``estimator.classes_`` from `y` and return `y` as 0/1 (1 = ``classes_[1]``).

    Any two labels work (ints, strings, booleans); ``classes_`` holds them sorted, as
    scikit-learn's classifiers do, and ``classes_[1]`` is the positive class: the bankrupt
    class in the project's 0/1 data (1 = bankrupt).

    Parameters
    ----------
    estimator : classifier
        The classifier being fitted (named in the message).
    y : array-like of shape (n_samples,)
        Class labels (a column vector is flattened with a warning), already checked for
        length against ``X``.

    Raises
    ------
    ValueError
        When `y` is continuous or multi-output, or holds other than two classes.
    """
    y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    estimator.classes_, encoded = np.unique(y, return_inverse=True)
    if len(estimator.classes_) != 2:
        raise ValueError(
            f"Only binary classification is supported: {type(estimator).__name__} needs y with "
            f"two classes, it holds {len(estimator.classes_)} class(es) "
            f"{estimator.classes_[:5].tolist()}"
        )
    return encoded.reshape(-1)
