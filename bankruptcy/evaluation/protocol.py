"""Evaluation protocols: which rows are the hold-out test, and the CV folds on the rest.

All indices are row positions in the dataset. Folds only ever split the
training part; the test part is scored once, after the final refit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    train_test_split,
)
from sklearn.utils._param_validation import Interval

from bankruptcy.core.params import CheckedParams, invalid
from bankruptcy.data.dataset import DataError, Dataset

log = logging.getLogger(__name__)


@dataclass
class Split:
    """Row positions of the training part, the test part and the CV folds of the training part.

    Attributes
    ----------
    train, test : numpy.ndarray
        Positions of training and test rows.
    folds : list of (numpy.ndarray, numpy.ndarray)
        (fit, validation) positions per fold, both subsets of `train`.
    """

    train: np.ndarray
    test: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]


@dataclass
class HoldoutCV(CheckedParams):
    """Stratified hold-out test split, (repeated) stratified k-fold CV on the rest.

    When the dataset has a group column (e.g. company), splits are
    group-aware: all rows of a group fall on one side.

    Parameters
    ----------
    test_size : float
        Share of rows held out for the final test.
    n_splits : int
        Number of CV folds on the training part.
    random_state : int
        Seed of the shuffles.
    n_repeats : int
        Rounds of k-fold CV, each on its own shuffle (``n_splits * n_repeats`` folds): a
        tighter estimate of the CV mean, and more paired folds to compare models on. The
        first round is the folds of ``n_repeats=1``.
    """

    _parameter_constraints: ClassVar[dict] = {
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
    }

    test_size: float = 0.2
    n_splits: int = 5
    random_state: int = 0
    n_repeats: int = 1

    def split(self, dataset: Dataset) -> Split:
        """Return the `Split` for `dataset`, after checking each part has enough bankruptcies."""
        self._validate_params()
        require_positives(dataset, self.n_splits + round(1 / self.test_size))
        y = dataset.y.to_numpy()
        if dataset.groups is None:
            train, test = train_test_split(
                np.arange(len(y)),
                test_size=self.test_size,
                stratify=y,
                random_state=self.random_state,
            )
            train.sort()
            test.sort()
            # its first round is StratifiedKFold(shuffle=True, random_state) itself
            cv = RepeatedStratifiedKFold(
                n_splits=self.n_splits, n_repeats=self.n_repeats, random_state=self.random_state
            )
            folds = [(train[a], train[b]) for a, b in cv.split(train, y[train])]
        else:
            rows = _Rows(y, dataset.groups.to_numpy())
            train, test, folds = _group_split(
                rows, round(1 / self.test_size), self.n_splits, self.random_state, self.n_repeats
            )
            # each caller gets its own arrays: the remembered ones must not change
            train, test = train.copy(), test.copy()
            folds = [(fit.copy(), val.copy()) for fit, val in folds]
        return checked(scored_only(Split(train, test, folds), dataset), y, dataset.source)


class _Rows:
    """Labels and groups of a dataset's rows, equal to another's when their contents are."""

    def __init__(self, y: np.ndarray, groups: np.ndarray) -> None:
        self.y, self.groups = y, groups
        digest = hashlib.sha1(y.tobytes())
        # groups may be strings (firm names): hash their values, not object pointers
        digest.update(pd.util.hash_array(groups).tobytes())
        self.digest = digest.hexdigest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rows) and other.digest == self.digest


@lru_cache(maxsize=4)
def _group_split(rows: _Rows, test_folds: int, n_splits: int, seed: int, n_repeats: int = 1):
    """Group-aware test rows (one of `test_folds` folds) and `n_splits` CV folds of the rest,
    `n_repeats` times (round ``r`` shuffles with seed ``seed + r``).

    Computed once per rows and settings by this process: scikit-learn's StratifiedGroupKFold
    assigns groups one at a time in Python (~6 s for the ~9,000 firms of the American data), and
    the jobs of a sweep run in one process and split the same rows the same way.
    """
    positions = np.arange(len(rows.y))
    outer = StratifiedGroupKFold(test_folds, shuffle=True, random_state=seed)
    train, test = next(outer.split(positions, rows.y, rows.groups))
    y, groups = rows.y[train], rows.groups[train]
    folds = []
    for r in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed + r)
        folds += [(train[a], train[b]) for a, b in cv.split(train, y, groups)]
    return train, test, folds


@dataclass
class Temporal(CheckedParams):
    """Train on earlier periods, validate walk-forward, test on the latest periods.

    Every period in ``(train_end, valid_end]`` is one validation fold, fitted on
    all rows before it; the final model is refitted on all rows up to
    `valid_end` and scored once on the rows after it. For the American data
    this is the official 1999-2011 / 2012-2014 / 2015-2018 split.

    Parameters
    ----------
    train_end : int
        Last period of the first training window.
    valid_end : int
        Last period used for training the final model.
    """

    _parameter_constraints: ClassVar[dict] = {
        "train_end": [Real],
        "valid_end": [Real],
    }
    #: The builder refuses a dataset that has no time column before reading it.
    needs_time: ClassVar[bool] = True

    train_end: int = 2011
    valid_end: int = 2014

    def _validate_params(self) -> None:
        """scikit-learn's checks of each period, then that they are in order."""
        super()._validate_params()
        if self.valid_end <= self.train_end:
            raise invalid(self, "valid_end", f"after train_end={self.train_end}")

    def split(self, dataset: Dataset) -> Split:
        """Return the walk-forward `Split` of a dataset with a time column.

        With a horizon label (``dataset.label_time``), no row is fitted before its label is
        known: a fold validated on period ``p`` fits the rows whose window closed before
        ``p``, and the final model (and the calibration map, through the validation rows) the
        rows whose window closed by `valid_end`; the rest are purged as look-ahead.
        """
        self._validate_params()
        if dataset.time is None:
            raise DataError(
                f"{dataset.source}: protocol=temporal needs a time column and dataset "
                f"{dataset.name} has none; use protocol=holdout_cv or set dataset.time"
            )
        time = dataset.time.to_numpy()
        known = time if dataset.label_time is None else dataset.label_time.to_numpy()
        y = dataset.y.to_numpy()
        positions = np.arange(len(y))
        periods = np.unique(time[(time > self.train_end) & (time <= self.valid_end)])
        closed = known <= self.valid_end
        folds = [
            (positions[(time < p) & (known < p)], positions[(time == p) & closed])
            for p in periods
            if np.any((time == p) & closed)
        ]
        train = positions[(time <= self.valid_end) & closed]
        purged = int(np.sum(time <= self.valid_end)) - len(train)
        if purged:
            log.info(
                "temporal: %d training rows purged, their label windows close after %s "
                "(look-ahead)",
                purged,
                self.valid_end,
            )
        split = Split(train, positions[time > self.valid_end], folds)
        if len(split.test) == 0 or not folds:
            raise DataError(
                f"{dataset.source}: time runs {time.min()}-{time.max()}; protocol.train_end="
                f"{self.train_end} and protocol.valid_end={self.valid_end} leave no "
                "validation or test periods"
                + (" whose label windows close in time" if dataset.label_time is not None else "")
            )
        return checked(scored_only(split, dataset), y, dataset.source)


def folds_id(split: Split, dataset: Dataset) -> str:
    """An id of the CV folds' row sets on this data: jobs with equal ids were validated on the
    same rows, fold by fold (what a paired comparison of their fold scores needs)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(dataset.X, index=False).to_numpy())
    digest.update(dataset.y.to_numpy().tobytes())
    for fit, val in split.folds:
        for rows in (fit, val):
            rows = np.asarray(rows, dtype=np.int64)
            digest.update(len(rows).to_bytes(8, "little") + rows.tobytes())
    return digest.hexdigest()[:16]


def require_positives(dataset: Dataset, needed: int) -> None:
    """Refuse a dataset with too few bankrupt rows to give every fold and the test some."""
    if dataset.n_positive < needed:
        raise DataError(
            f"{dataset.source}: only {dataset.n_positive} bankrupt rows; the protocol needs at "
            f"least {needed} (one per CV fold and test fold). Lower protocol.n_splits or "
            "raise protocol.test_size"
        )


def scored_only(split: Split, dataset: Dataset) -> Split:
    """`split` with validation and test parts kept to the rows the dataset scores
    (``dataset.evaluated``: a hazard model's first-year records)."""
    if dataset.evaluated is None:
        return split
    keep = dataset.evaluated
    return Split(
        split.train,
        split.test[keep[split.test]],
        [(fit, val[keep[val]]) for fit, val in split.folds],
    )


def checked(split: Split, y: np.ndarray, source: str) -> Split:
    """Make sure every fit/validation part and the test part hold both classes."""
    parts = [("test", split.test), ("training", split.train)]
    for k, (fit, val) in enumerate(split.folds):
        parts += [(f"fold {k} training", fit), (f"fold {k} validation", val)]
    for name, rows in parts:
        if len(np.unique(y[rows])) < 2:
            raise DataError(
                f"{source}: the {name} part ({len(rows)} rows) holds one class only; "
                "change protocol.n_splits / protocol.test_size (or the temporal years)"
            )
    return split
