"""SHAP values of the final estimator on its model-input rows, and per-company top factors.

The explainer follows what the estimator offers: linear models (``coef_``) get
the exact ``LinearExplainer``; models SHAP's tree engine reads (random forest,
HistGradientBoosting, decision tree ...) get ``TreeExplainer``; anything else
(SVM, MLP, a calibrated wrapper) gets the model-agnostic permutation explainer
on a background sample. In every case base value + SHAP values of a row equal
the explained output for that row; `explain` finds out which output that is.

An additive model that offers ``feature_contributions`` (the EBM) needs no explainer: its own
per-feature contributions to the log-odds (each interaction split equally between its two
features) add up to the log-odds exactly, with the intercept as the base value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shap
from shap.utils._exceptions import InvalidModelError

from bankruptcy.interpret.features import as_fitted, describe, source_column

log = logging.getLogger(__name__)

#: `Explanation.explainer` of an additive model's own contributions.
EXACT = "the model's own additive contributions"


@dataclass
class Explanation:
    """SHAP values of some rows.

    Attributes
    ----------
    values : ndarray (n_rows, n_features)
        Contribution of each model-input feature, in units of `output`.
    base : ndarray (n_rows,)
        Expected output over the explainer's reference data.
    data : DataFrame
        The explained model-input rows (index = dataset row labels).
    output : str
        What base + contributions add up to, e.g. ``"log-odds of bankruptcy"``.
    explainer : str
        Name of the SHAP explainer used.
    """

    values: np.ndarray
    base: np.ndarray
    data: pd.DataFrame
    output: str
    explainer: str


def candidate_outputs(estimator, X: pd.DataFrame) -> dict[str, np.ndarray]:
    """The outputs an explainer may explain, named by their unit."""
    outputs = {}
    X = as_fitted(estimator, X)
    if hasattr(estimator, "predict_proba"):
        outputs["probability of bankruptcy"] = estimator.predict_proba(X)[:, 1]
    if hasattr(estimator, "decision_function"):
        unit = "log-odds of bankruptcy" if outputs else "decision score"
        outputs[unit] = estimator.decision_function(X)
    return outputs


def _positive_output(estimator, columns):
    """Agnostic explainers call this on plain arrays; name them if the estimator saw names."""

    def rows(a):
        return as_fitted(estimator, pd.DataFrame(a, columns=columns))

    if hasattr(estimator, "predict_proba"):
        return lambda a: estimator.predict_proba(rows(a))[:, 1]
    return lambda a: estimator.decision_function(rows(a))


def make_explainer(estimator, background: pd.DataFrame):
    """The cheapest exact-enough SHAP explainer this estimator supports."""
    if hasattr(estimator, "coef_"):
        return shap.LinearExplainer(estimator, background)
    try:
        # path-dependent: needs no background and stays additive with missing values
        return shap.TreeExplainer(estimator)
    except InvalidModelError:
        fn = _positive_output(estimator, list(background.columns))
        masker = shap.maskers.Independent(background.to_numpy(), max_samples=len(background))
        return shap.explainers.PermutationExplainer(fn, masker)


def explain(
    estimator, rows: pd.DataFrame, background: pd.DataFrame, agnostic_rows: int = 50
) -> Explanation:
    """SHAP values of `rows` (model inputs) for the fitted final `estimator`.

    Parameters
    ----------
    estimator : fitted classifier
        The pipeline's last step.
    rows : DataFrame
        Model-input rows to explain.
    background : DataFrame
        Model-input training rows (reference distribution for linear and
        model-agnostic explainers; keep it small, e.g. 50-100 rows).
    agnostic_rows : int
        With the slow model-agnostic explainer only the first `agnostic_rows`
        of `rows` are explained (the result's ``data`` says which).
    """
    if hasattr(estimator, "feature_contributions"):  # an additive model explains itself
        values = estimator.feature_contributions(rows).to_numpy()
        base = np.full(len(rows), float(estimator.intercept_))
        return Explanation(values, base, rows, "log-odds of bankruptcy", EXACT)
    explainer = make_explainer(estimator, background)
    if isinstance(explainer, shap.explainers.PermutationExplainer):
        rows = rows.iloc[:agnostic_rows]
        # one forward + backward permutation: exact additivity at the lowest cost
        result = explainer(rows.to_numpy(), max_evals=2 * rows.shape[1] + 1, silent=True)
    else:
        result = explainer(rows)
    values, base = np.asarray(result.values), np.asarray(result.base_values, dtype=float)
    if values.ndim == 3:  # one slice per class: keep the bankrupt class
        values, base = values[..., 1], base[..., 1]
    base = np.broadcast_to(np.ravel(base), (len(rows),)) if base.size == 1 else base.ravel()
    total = base + values.sum(axis=1)
    gaps = {
        unit: float(np.max(np.abs(total - out)))
        for unit, out in candidate_outputs(estimator, rows).items()
    }
    output = min(gaps, key=gaps.get)
    if gaps[output] > 1e-3:
        log.warning("SHAP values add up to %s only within %.3g", output, gaps[output])
    return Explanation(values, np.asarray(base), rows, output, type(explainer).__name__)


def mean_abs_table(expl: Explanation, descriptions: dict[str, str]) -> pd.DataFrame:
    """Global SHAP importance: mean |contribution| per feature, decreasing."""
    table = pd.DataFrame(
        {
            "feature": [str(c) for c in expl.data.columns],
            "description": [describe(str(c), descriptions) for c in expl.data.columns],
            "mean_abs_shap": np.abs(expl.values).mean(axis=0),
        }
    )
    return table.sort_values("mean_abs_shap", ascending=False, ignore_index=True)


def company_factors(
    expl: Explanation,
    positions: np.ndarray,
    scores: np.ndarray,
    y_true: np.ndarray,
    raw: pd.DataFrame,
    descriptions: dict[str, str],
    top_k: int = 5,
) -> pd.DataFrame:
    """The factors pushing each chosen company toward bankruptcy most.

    Parameters
    ----------
    expl : Explanation
        SHAP values of the explained rows.
    positions : array of int
        Positions (within `expl`) of the companies to report.
    scores, y_true : arrays aligned with `expl` rows
        Model score and true label of each explained row.
    raw : DataFrame
        The original (unpreprocessed) rows of `expl`, to show values in the
        dataset's own units where a model input is an original column.
    descriptions : dict
        Dataset column descriptions.
    top_k : int
        Factors per company (largest positive contributions).

    Returns
    -------
    DataFrame, one row per (company, factor): ``company, score, bankrupt,
    rank, feature, description, value_of, value, contribution``; ``value`` is
    the company's raw value of the original column ``value_of`` the feature
    comes from (NaN = missing), else the model-input value.
    """
    rows = []
    columns = [str(c) for c in expl.data.columns]
    for pos in positions:
        order = np.argsort(-expl.values[pos], kind="stable")[:top_k]
        company = expl.data.index[pos]
        for rank, j in enumerate(order, start=1):
            feature = columns[j]
            # show the company's own figure in the dataset's units where there is one
            column = source_column(feature, list(raw.columns))
            value = raw[column].iloc[pos] if column else expl.data[feature].iloc[pos]
            rows.append(
                {
                    "company": company,
                    "score": float(scores[pos]),
                    "bankrupt": int(y_true[pos]),
                    "rank": rank,
                    "feature": feature,
                    "description": describe(feature, descriptions),
                    "value_of": column or feature,
                    "value": float(value),
                    "contribution": float(expl.values[pos, j]),
                }
            )
    return pd.DataFrame(rows)
