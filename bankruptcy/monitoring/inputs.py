"""Checks of the monitor's inputs: each problem is one `UserError` line naming it and the fix.

Column alignment, row counts, score vectors and 0/1 labels are checked here, once, before
any statistic is computed, so every entry point gives the same messages.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.data.dataset import label_text

#: Rows a window needs: the multivariate test scores half of them, the others need fewer.
MIN_ROWS = 50


def align_columns(reference: pd.DataFrame, current: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """`current` restricted to the reference columns (in their order), and its extra columns.

    Raises
    ------
    UserError
        When `current` lacks reference columns (all of them are listed).
    """
    absent = [c for c in reference.columns if c not in current.columns]
    if absent:
        raise UserError(
            f"current data lacks {len(absent)} of the model's input column(s): {absent}; "
            "pass rows with every column the model was trained on"
        )
    extra = [c for c in current.columns if c not in reference.columns]
    return current[list(reference.columns)], extra


def numeric_like_reference(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """`current` with every column that is numeric in the reference as numbers.

    Text that is not a number in such a column is an error (columns listed); a column
    that is entirely missing (often read as text) becomes an all-NaN float column.
    """
    converted, bad = {}, {}
    for name in reference.columns:
        values = current[name]
        if not pd.api.types.is_numeric_dtype(reference[name]):
            continue
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        failed = values[numbers.isna() & values.notna()]
        if len(failed):
            bad[name] = failed.iloc[0]
        converted[name] = numbers.astype(np.float64)
    if bad:
        examples = ", ".join(f"{name} ({value!r})" for name, value in bad.items())
        raise UserError(
            f"current data has text in numeric column(s): {examples}; send numbers "
            "(empty for missing)"
        )
    return current.assign(**converted) if converted else current


def require_rows(n_rows: int, what: str, needed: int = MIN_ROWS) -> None:
    """Raise unless a window of `n_rows` rows is large enough for the tests."""
    if n_rows < needed:
        raise UserError(
            f"{what} has {n_rows} row(s); the drift tests need at least {needed}: "
            "monitor a longer window"
        )


def as_scores(values, what: str, n_rows: int | None = None) -> np.ndarray:
    """`values` as a finite float vector (of `n_rows` entries when given)."""
    scores = np.asarray(values, dtype=np.float64).ravel()
    if n_rows is not None and len(scores) != n_rows:
        raise UserError(f"{what} has {len(scores)} values for {n_rows} rows; pass one per row")
    bad = int((~np.isfinite(scores)).sum())
    if bad:
        raise UserError(f"{what} has {bad} missing or infinite value(s); score every row")
    return scores


def as_probabilities(values, what: str, n_rows: int | None = None) -> np.ndarray:
    """`values` as probabilities in [0, 1]; raise naming the first value outside."""
    proba = as_scores(values, what, n_rows)
    outside = proba[(proba < 0) | (proba > 1)]
    if outside.size:
        raise UserError(
            f"{what} holds {outside.size} value(s) outside [0, 1] (e.g. {outside[0]:.4g}); "
            "pass probabilities, or calibrated=False for other scores"
        )
    return proba


def as_labels(values, what: str, n_rows: int) -> np.ndarray:
    """0/1 labels as floats, NaN where a row's label is not known yet.

    Raises
    ------
    UserError
        When a label is neither 0 nor 1 (the offending values are listed), or the
        count does not match the rows.
    """
    series = pd.Series(np.asarray(values, dtype=object).ravel())
    if len(series) != n_rows:
        raise UserError(f"{what} has {len(series)} values for {n_rows} rows; pass one per row")
    known = series[series.notna()]
    numeric = pd.to_numeric(known, errors="coerce")
    bad = known[~numeric.isin([0, 1])].unique().tolist()
    if bad:
        shown = sorted({f"{v:g}" if isinstance(v, Real) else str(v) for v in bad})[:10]
        raise UserError(
            f"{what} hold values other than 0/1: {shown}; encode 1 = bankrupt, 0 = operating "
            "(leave unknown labels empty)"
        )
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)


def outcomes(values: pd.Series, label: dict, what: str) -> np.ndarray:
    """New rows' outcomes as 1 (bankrupt), 0 (operating) or NaN (not known yet).

    They may be written as the model's training data wrote them (its package's contract
    label: ``values`` and ``bankrupt_value``, e.g. ``failed`` / ``alive``) or as 0/1.

    Raises
    ------
    UserError
        Naming the values that are neither, and the ones to use.
    """
    text = values.map(lambda v: None if pd.isna(v) else label_text(v))
    known = text.dropna()
    own = {str(v) for v in label.get("values", ())}
    if set(known) <= own:
        bankrupt = str(label.get("bankrupt_value", 1))
        coded = text.map(lambda v: np.nan if v is None else float(v == bankrupt))
        return coded.to_numpy(dtype=np.float64)
    if set(known) <= {"0", "1"}:
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    bad = sorted(set(known) - own - {"0", "1"})[:6]
    accepted = f"{sorted(own)} (as in training) or " if own else ""
    raise UserError(
        f"{what} holds {bad}; use {accepted}1 = bankrupt, 0 = operating (empty = not known)"
    )


def require_both_classes(labels: np.ndarray, what: str) -> None:
    """Raise unless the known `labels` hold both bankrupt and operating rows."""
    known = labels[~np.isnan(labels)]
    classes = sorted({int(v) for v in known})
    if len(classes) < 2:
        found = f"all {known.size} are {classes[0]}" if classes else "none is known"
        raise UserError(
            f"{what} hold one class only ({found}); the comparison needs bankrupt (1) "
            "and operating (0) rows: use a longer labelled window"
        )
