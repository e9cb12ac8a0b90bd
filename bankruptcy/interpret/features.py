"""What the model sees: the pipeline's model-input rows and readable feature names."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bankruptcy.pipeline.assembly import model_input_features


def model_input(pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """Rows `X` as the final estimator of a fitted `pipeline` receives them at predict time.

    Applies every step before the model that transforms; samplers and row
    filters (``fit_resample``) act during ``fit`` only, so they are skipped,
    as the pipeline itself does when predicting. Columns are named by
    `model_input_features`, rows keep the labels of `X`.
    """
    rows = X
    for _, step in pipeline.steps[:-1]:
        if hasattr(step, "transform") and not hasattr(step, "fit_resample"):
            rows = step.transform(rows)
    columns = model_input_features(pipeline, X)
    return pd.DataFrame(np.asarray(rows), columns=columns, index=X.index)


def as_fitted(estimator, rows: pd.DataFrame):
    """Model-input `rows` in the form `estimator` was fitted on.

    A DataFrame if it saw column names in ``fit``, else an array: scikit-learn warns when
    the two differ.
    """
    return rows if hasattr(estimator, "feature_names_in_") else rows.to_numpy()


def source_column(feature: str, columns) -> str | None:
    """The original column a model-input feature stands for or is derived from, if one.

    ``Attr7`` -> ``Attr7``; a missing-value flag ``Attr37_missing`` -> ``Attr37``
    (longest match first, so Attr37 wins over Attr3); otherwise None.
    """
    if feature in columns:
        return feature
    for column in sorted(columns, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(column)}(?![A-Za-z0-9])", feature):
            return column
    return None


def describe(feature: str, descriptions: dict[str, str]) -> str:
    """Meaning of a model-input feature, from the dataset's column descriptions.

    An original column gets its description (Polish ``Attr7`` -> "EBIT / total
    assets"); a feature derived from one column gets "derived from Attr37: <its
    description>"; anything else gets an empty string.
    """
    column = source_column(feature, descriptions)
    if column is None:
        return ""
    text = descriptions[column]
    return text if column == feature else f"derived from {column}: {text}"


def label(feature: str, descriptions: dict[str, str], width: int = 48) -> str:
    """Short axis label: ``"Attr7: EBIT / total assets"``, cut to `width` characters."""
    text = describe(feature, descriptions)
    full = f"{feature}: {text}" if text else feature
    return full if len(full) <= width else full[: width - 1] + "…"
