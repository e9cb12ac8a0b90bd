"""Feature importances: permutation importance on test rows, and the model's native ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import check_scoring

from bankruptcy.interpret.features import describe


def permutation_table(
    pipeline,
    X: pd.DataFrame,
    y,
    descriptions: dict[str, str],
    n_repeats: int = 5,
    scoring: str = "average_precision",
    seed: int = 0,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """Drop in `scoring` when each original feature of `X` is shuffled, through the whole pipeline.

    ``sklearn.inspection.permutation_importance`` on the raw columns (not model inputs), so it
    measures each original attribute, whatever the preprocessing derives from it.

    Parameters
    ----------
    columns : list of str, optional
        Only shuffle these columns (default: all); the others keep their values. Each
        shuffled column costs `n_repeats` predictions of all rows.

    Returns
    -------
    DataFrame sorted by decreasing ``importance_mean`` with columns
    ``feature, description, importance_mean, importance_std`` (std over
    `n_repeats` shuffles).
    """
    columns = [str(c) for c in X.columns] if columns is None else list(columns)
    score = check_scoring(pipeline, scoring=scoring)

    def score_with_rest(estimator, shuffled: pd.DataFrame, y_true) -> float:
        # scikit-learn shuffles every column it is given: give it only `columns`, and put
        # the untouched others back before the pipeline sees the rows
        full = X.copy()
        full[columns] = shuffled.to_numpy()
        return score(estimator, full, y_true)

    result = permutation_importance(
        pipeline,
        X[columns],
        y,
        scoring=score_with_rest,
        n_repeats=n_repeats,
        random_state=seed,
    )
    table = pd.DataFrame(
        {
            "feature": columns,
            "description": [describe(c, descriptions) for c in columns],
            "importance_mean": result.importances_mean,
            "importance_std": result.importances_std,
        }
    )
    return table.sort_values("importance_mean", ascending=False, ignore_index=True)


def native_table(estimator, features: list[str], descriptions: dict[str, str]) -> pd.DataFrame:
    """The model's own importances, if it has any; else an empty table.

    Linear models: coefficients on the model inputs (scaled features when the
    preprocessing scales), ranked by magnitude. Tree ensembles: impurity
    importance (``feature_importances_``).

    Returns
    -------
    DataFrame with ``feature, description, importance, kind``, sorted by
    decreasing absolute importance.
    """
    if hasattr(estimator, "coef_"):
        values, kind = np.ravel(estimator.coef_), "coefficient"
    elif hasattr(estimator, "feature_importances_"):
        values, kind = np.asarray(estimator.feature_importances_), "impurity"
    else:
        return pd.DataFrame(columns=["feature", "description", "importance", "kind"])
    table = pd.DataFrame(
        {
            "feature": features,
            "description": [describe(f, descriptions) for f in features],
            "importance": values,
            "kind": kind,
        }
    )
    order = np.argsort(-np.abs(values), kind="stable")
    return table.iloc[order].reset_index(drop=True)
