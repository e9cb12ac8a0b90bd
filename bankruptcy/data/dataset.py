"""The `Dataset` container and the checks every loader's output goes through."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bankruptcy.core.errors import DataError

__all__ = ["DataError", "Dataset", "encode_labels", "require_columns", "validate"]

#: scikit-learn constraints of the options loaders share (``@validate_params`` on a loader
#: lets the builder check its options before it is called, i.e. before any file is read).
DATA_DIR = [str, os.PathLike, None]
CONCEPTS = [dict, None]


@dataclass
class Dataset:
    """Plain data for one bankruptcy-prediction problem.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"polish_year1"``.
    X : pandas.DataFrame
        Numeric features, one row per company (or firm-year).
    y : pandas.Series
        Integer labels aligned with `X`; 1 = bankrupt, 0 = operating.
    source : str
        Where the rows came from (a file path), used in error messages.
    descriptions : dict of str to str
        Human-readable meaning of each feature column, where known.
    time : pandas.Series, optional
        Time of each row (e.g. fiscal year), never a feature.
    groups : pandas.Series, optional
        Entity of each row (e.g. company), never a feature; rows of one
        group stay on one side of every split.
    concepts : dict of str to str
        Financial concepts (e.g. ``"ebit_to_assets"``) mapped to a pandas
        ``eval`` expression over this dataset's columns; used by domain
        feature engineering and the Altman Z-score baseline.
    bankrupt_value : str
        The source's label value meaning bankrupt, as text (`label_text`), e.g. ``"failed"``.
    label_values : tuple of str
        Every label value the source may hold, as text (``("alive", "failed")``): what new
        labelled rows of a model trained on it may hold too (retraining, monitoring).
    label_time : pandas.Series, optional
        The period in which each row's label becomes known (a horizon label: the end of its
        window); protocols that split by time never fit a row before it. None: the label is
        known with the row.
    evaluated : numpy.ndarray of bool, optional
        The rows validation and test parts score (a hazard model's first-period records);
        None: all rows.
    horizon : object, optional
        What the rows' labels mean when a horizon target derived them
        (`bankruptcy.horizons.targets.Horizon`); None for the source's own label.
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    source: str
    descriptions: dict[str, str] = field(default_factory=dict)
    time: pd.Series | None = None
    groups: pd.Series | None = None
    concepts: dict[str, str] = field(default_factory=dict)
    bankrupt_value: str = "1"
    label_values: tuple[str, ...] = ("0", "1")
    label_time: pd.Series | None = None
    evaluated: np.ndarray | None = None
    horizon: object = None

    @property
    def n_positive(self) -> int:
        """Number of bankrupt rows."""
        return int(self.y.sum())

    def summary(self) -> str:
        """One line: rows, features, bankrupt count and rate."""
        n = len(self.y)
        return (
            f"{self.name}: {n:,} rows x {self.X.shape[1]} features, "
            f"{self.n_positive:,} bankrupt ({self.n_positive / n:.2%})"
        )


def encode_labels(raw: pd.Series, positive: object, known: set, source: str) -> pd.Series:
    """Map raw label values to 1 (bankrupt) / 0, refusing values outside `known`.

    Values are compared as text, so ``1``, ``1.0`` and ``"1"`` are the same label.

    Parameters
    ----------
    raw : pandas.Series
        Label column as read from the file.
    positive : object
        The raw value that means bankrupt.
    known : set
        All raw values the file may contain.
    source : str
        File name for the error message.
    """
    if raw.isna().any():
        raise DataError(
            f"{source}: label column '{raw.name}' has {int(raw.isna().sum())} empty value(s); "
            "every row needs a label"
        )
    text = raw.map(label_text)
    allowed = {label_text(k) for k in known}
    unknown = sorted(set(pd.unique(text)) - allowed)
    if unknown:
        raise DataError(
            f"{source}: label column '{raw.name}' has unknown value(s) {unknown[:5]}; "
            f"expected {sorted(allowed)}"
        )
    return (text == label_text(positive)).astype(np.int8).rename("bankrupt")


def label_text(value: object) -> str:
    """Canonical text of a label value: integral numbers without decimals, text stripped."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, (int, float, np.number)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def require_columns(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Raise `DataError` naming the file and the columns it lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise DataError(
            f"{source}: missing expected column(s) {shown}; found {list(frame.columns)[:8]}"
            f"{' ...' if frame.shape[1] > 8 else ''}. Is this the right file?"
        )


def require_exact_columns(frame: pd.DataFrame, columns: list[str], source: str) -> None:
    """Raise `DataError` unless `frame` has exactly `columns` (any order)."""
    require_columns(frame, columns, source)
    extra = [c for c in frame.columns if c not in set(columns)]
    if extra:
        raise DataError(f"{source}: unexpected column(s) {extra[:5]}; is this the right file?")


def validate(dataset: Dataset) -> Dataset:
    """Check a loaded dataset is usable for classification; return it unchanged.

    Raises `DataError` (one line naming the source and the fix) for: fewer than
    two classes, non-numeric feature columns, or columns that are entirely
    missing. Infinities are allowed: the preprocessing turns them into missing
    values.
    """
    src = dataset.source
    if len(dataset.X) != len(dataset.y):
        raise DataError(f"{src}: {len(dataset.X)} feature rows but {len(dataset.y)} labels")
    counts = dataset.y.value_counts()
    if len(counts) < 2:
        only = "bankrupt" if counts.index[0] == 1 else "non-bankrupt"
        raise DataError(
            f"{src}: the target has one class only (all {len(dataset.y):,} rows {only}); "
            "check the target column and the value that means bankrupt"
        )
    text = [c for c in dataset.X.columns if not pd.api.types.is_numeric_dtype(dataset.X[c])]
    if text:
        raise DataError(
            f"{src}: non-numeric feature column(s) {text[:8]}; encode them as numbers "
            "or list them under the dataset's drop option"
        )
    empty = [c for c in dataset.X.columns if dataset.X[c].isna().all()]
    if empty:
        raise DataError(
            f"{src}: column(s) {empty[:8]} hold no values at all; drop them "
            "(dataset drop option) or fix the file"
        )
    return dataset
