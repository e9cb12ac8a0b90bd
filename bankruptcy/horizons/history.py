"""A statement's history as columns of its own row: the firm's earlier statements' values.

Panel features (a ratio's change from the previous statement, its trend) need a firm's earlier
rows; a model scores one row at a time. So each row carries its history as columns:
``<column>_lag<k>`` is the value of ``<column>`` in the same firm's ``k``-th earlier statement
(missing when the firm has fewer), and ``years_reported`` counts the firm's earlier statements
in the data. Only earlier rows are read: a row never sees a later
period. The columns are computed once from the whole panel (before any split: they read no
label), and the model package asks for them as inputs, or builds them from a file holding
the firms' earlier statements (``predict``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from bankruptcy.core.errors import DataError
from bankruptcy.data.dataset import Dataset
from bankruptcy.preprocess.panel import REPORTED, lag_name


def history_columns(columns, lags: int) -> list[str]:
    """The names `add_history` adds for `columns` and `lags`, in order."""
    return [lag_name(c, k) for k in range(1, lags + 1) for c in columns] + [REPORTED]


def recorded_history_columns(manifest: dict) -> list[str]:
    """The history columns a model package reads, from its manifest's ``history`` section
    (items and lags); none for a model without panel features."""
    history = manifest.get("history")
    return [] if history is None else history_columns(history["items"], history["lags"])


def add_history(
    frame: pd.DataFrame, firms: pd.Series, periods: pd.Series, columns, lags: int
) -> pd.DataFrame:
    """`frame` with the history columns of `columns` for `lags` statements and
    ``years_reported``.

    ``<column>_lag<k>`` is the value in the firm's ``k``-th earlier statement (by period; a
    year the data lacks is skipped, as an analyst reads "the previous statement").

    Parameters
    ----------
    frame : DataFrame
        One row per statement.
    firms, periods : Series
        Each row's firm and period (aligned with `frame`; any order).
    columns : list of str
        The columns whose earlier values are added.
    lags : int
        How many statements back.
    """
    firm = pd.factorize(firms)[0]
    period = pd.to_numeric(periods).to_numpy()
    if pd.DataFrame({"f": firm, "p": period}).duplicated().any():
        raise DataError(
            "a firm has two statements for one period; history columns need one per firm and period"
        )
    order = np.lexsort((period, firm))  # by firm, then period
    values = frame[list(columns)].to_numpy(dtype=np.float64)[order]
    same_firm = firm[order]
    added = {}
    for k in range(1, lags + 1):
        earlier = np.full_like(values, np.nan)
        earlier[k:] = values[:-k]
        earlier[np.r_[np.ones(min(k, len(order)), bool), same_firm[k:] != same_firm[:-k]]] = np.nan
        back = np.empty_like(earlier)
        back[order] = earlier
        for j, column in enumerate(columns):
            added[lag_name(column, k)] = back[:, j]
    reported = pd.Series(same_firm).groupby(same_firm).cumcount().to_numpy(dtype=np.float64)
    added[REPORTED] = np.empty(len(order))
    added[REPORTED][order] = reported
    return frame.assign(**added)


def with_history(dataset: Dataset, lags: int) -> Dataset:
    """`dataset` whose rows carry their firm's `lags` earlier statements (`add_history`)."""
    columns = list(map(str, dataset.X.columns))
    X = add_history(dataset.X, dataset.groups, dataset.time, columns, lags)
    descriptions = dict(dataset.descriptions)
    for k in range(1, lags + 1):
        for column in columns:
            meaning = descriptions.get(column, column)
            descriptions[lag_name(column, k)] = f"{meaning}, {k} statement(s) earlier"
    descriptions[REPORTED] = "the firm's earlier statements in the data"
    return replace(dataset, X=X, descriptions=descriptions)
