"""Tabular files (CSV / Parquet) to `Dataset`: the generic loader other loaders build on."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from numbers import Integral
from pathlib import Path

import pandas as pd
from sklearn.utils._param_validation import validate_params

from bankruptcy.data.dataset import (
    CONCEPTS,
    DataError,
    Dataset,
    encode_labels,
    label_text,
    require_columns,
    validate,
)
from bankruptcy.data.files import read_once


def read_table(path: str | os.PathLike, **read_options) -> pd.DataFrame:
    """Read a CSV (any extension but ``.parquet``/``.pq``) or Parquet file.

    Parameters
    ----------
    path : path
        The file.
    **read_options
        Passed to `pandas.read_csv` (e.g. ``sep``, ``encoding``).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} not found; check dataset.path")
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            return read_once(path, pd.read_parquet)
        return read_once(path, pd.read_csv, **read_options)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: cannot be read as a table ({error})") from None


def build_dataset(
    frame: pd.DataFrame,
    *,
    name: str,
    source: str,
    target: str,
    positive: object,
    known: Sequence | None = None,
    drop: Sequence[str] = (),
    time: str | None = None,
    group: str | None = None,
    descriptions: Mapping[str, str] | None = None,
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Split a raw table into features, label, time and group columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read.
    name, source : str
        Dataset name and file path (for messages).
    target : str
        Label column.
    positive : object
        Label value meaning bankrupt.
    known : sequence, optional
        All valid label values; default: `positive` plus whatever one other
        value the column holds (more than two values is an error).
    drop : sequence of str
        Columns that are neither features nor label (identifiers, free text).
    time, group : str, optional
        Columns kept as the time and group of each row, never as features.
    descriptions, concepts : mapping, optional
        Feature meanings and financial concepts, see `Dataset`.
    """
    special = [c for c in (time, group) if c]
    require_columns(frame, [target, *drop, *special], source)
    if known is None:
        known = _infer_known(frame[target], positive, source)
    y = encode_labels(frame[target], positive, set(known), source)
    X = frame.drop(columns=[target, *drop, *special])
    return validate(
        Dataset(
            name=name,
            X=X,
            y=y,
            source=source,
            descriptions=dict(descriptions or {}),
            time=frame[time] if time else None,
            groups=frame[group] if group else None,
            concepts=dict(concepts or {}),
            bankrupt_value=label_text(positive),
            label_values=tuple(sorted({label_text(k) for k in known})),
        )
    )


def _infer_known(labels: pd.Series, positive: object, source: str) -> list:
    """Valid label values when the user named only the positive one."""
    values = sorted({label_text(v) for v in labels.dropna().unique()})
    if label_text(positive) not in values:
        raise DataError(
            f"{source}: no row of '{labels.name}' has the bankrupt value {positive!r}; "
            f"values found: {values[:5]}. Set dataset.positive to one of them"
        )
    if len(values) > 2:
        raise DataError(
            f"{source}: label column '{labels.name}' has {len(values)} values {values[:5]}; "
            "a bankruptcy label needs two. Check dataset.target"
        )
    return values


@validate_params(
    {
        "path": [str, os.PathLike],
        "target": [str],
        "positive": [str, Integral],
        "drop": [list, tuple],
        "time": [str, None],
        "group": [str, None],
        "name": [str, None],
        "sep": [str],
        "concepts": CONCEPTS,
    },
    prefer_skip_nested_validation=True,
)
def load_table(
    path: str | os.PathLike,
    target: str,
    positive: object,
    drop: Sequence[str] = (),
    time: str | None = None,
    group: str | None = None,
    name: str | None = None,
    sep: str = ",",
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Load any user CSV or Parquet file (``dataset=csv``).

    Parameters
    ----------
    path : path
        The file (``.csv``, ``.txt``, ``.parquet``...).
    target : str
        Label column.
    positive : object
        Label value meaning bankrupt, e.g. ``1`` or ``"failed"``.
    drop : sequence of str
        Columns to leave out of the features.
    time, group : str, optional
        Time and entity columns (kept out of the features).
    name : str, optional
        Dataset name; default the file stem.
    sep : str
        CSV separator.
    concepts : mapping, optional
        Financial concept -> column expression, see `Dataset`.
    """
    frame = read_table(path, sep=sep)
    return build_dataset(
        frame,
        name=name or Path(path).stem,
        source=str(path),
        target=target,
        positive=positive,
        drop=drop,
        time=time,
        group=group,
        concepts=concepts,
    )
