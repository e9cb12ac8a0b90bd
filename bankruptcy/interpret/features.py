"""What the model sees: the pipeline's model-input rows and readable feature names."""

from __future__ import annotations

import re

import pandas as pd


def model_input(pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """Rows `X` as the final estimator of a fitted `pipeline` receives them at predict time.

    Applies every step before the model that transforms; samplers and row
    filters (``fit_resample``) act during ``fit`` only, so they are skipped,
    as the pipeline itself does when predicting.
    """
    for _, step in pipeline.steps[:-1]:
        if hasattr(step, "transform") and not hasattr(step, "fit_resample"):
            X = step.transform(X)
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    return X


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
