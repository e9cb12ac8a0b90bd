"""The ``target`` config group: which question the labels ask of each row.

- `Ever` (``target=ever``): the source's own label. On the American firm-years that is "the firm
  ever fails" on every row of a failed firm, so a 1999 statement of a firm that failed in 2013
  is a positive: kept for comparison with the literature that uses it.
- `Within` (``target=within target.years=H``): "does the firm fail within H years of this
  statement?", censored rows left out (`bankruptcy.horizons.labels`).
- `TermStructure` (``target=term_structure target.years=H``): a discrete-time hazard model:
  one record per row and year ahead at which the firm is at risk and observed, with the year
  ahead as a feature; any classifier of the ``model`` group learns the yearly hazard, and the
  cumulative PDs ``1 - prod(1 - hazard_k)`` cannot fall with the horizon.
- `Auto` (``target=auto``, the default): `Within` 1 year on firm-year panels (data with a firm
  and a time column), the source's own label otherwise.

Each derives a new `Dataset` from the loaded one: labels, the period in which each label
becomes known (``label_time``: protocols that split by time purge the training rows whose
window reaches the period they are scored against), and a `Horizon` describing the result
for the analyses and the model package.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Integral
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval

from bankruptcy.core.errors import DataError
from bankruptcy.core.params import CheckedParams
from bankruptcy.data.dataset import Dataset
from bankruptcy.horizons.labels import Panel

#: The hazard model's feature holding the year ahead (1..H) of a record.
PERIOD = "years_ahead"


@dataclass(frozen=True)
class Horizon:
    """What the labels of a horizon target's dataset mean.

    Attributes
    ----------
    kind : str
        ``"within"`` (one horizon) or ``"term_structure"`` (cumulative PDs for 1..H years).
    years : tuple of int
        The horizons the model answers.
    main : int
        The horizon ``p_bankrupt`` stands for (plain metric keys, threshold, bands).
    panel : Panel
        The outcome facts of the source rows.
    rows : numpy.ndarray
        Source row position of each row of the derived dataset.
    """

    kind: str
    years: tuple[int, ...]
    main: int
    panel: Panel
    rows: np.ndarray

    @property
    def period_column(self) -> str | None:
        """The hazard model's year-ahead feature, None for a single horizon."""
        return PERIOD if self.kind == "term_structure" else None

    def labels(self, rows: np.ndarray, years: int) -> tuple[np.ndarray, np.ndarray]:
        """``(positive, observed)`` of derived rows `rows` for `years` (`Panel.within`)."""
        positive, observed = self.panel.within(years)
        source = self.rows[rows]
        return positive[source], observed[source]

    def to_dict(self) -> dict:
        """The package manifest's ``horizons`` entry."""
        return {
            "kind": self.kind,
            "years": list(self.years),
            "main": self.main,
            "period_column": self.period_column,
        }


def require_panel(dataset: Dataset, option: str) -> Panel:
    """The panel facts of `dataset`, or a `DataError` when it has no firm or time column."""
    if dataset.time is None or dataset.groups is None:
        raise DataError(
            f"{dataset.source}: {option} needs firm-year data (a firm and a time column) and "
            f"dataset {dataset.name} has {'no time' if dataset.time is None else 'no firm'} "
            "column; use target=ever, or dataset=csv with dataset.group and dataset.time"
        )
    return Panel.of(dataset.time, dataset.groups, dataset.y, dataset.source)


def _subset(dataset: Dataset, rows: np.ndarray, y: np.ndarray, **changes) -> Dataset:
    """`dataset`'s rows at positions `rows` (repeats allowed) with labels `y`."""
    return replace(
        dataset,
        X=dataset.X.iloc[rows],
        y=pd.Series(y.astype(np.int8), index=dataset.X.index[rows], name=dataset.y.name),
        time=dataset.time.iloc[rows],
        groups=dataset.groups.iloc[rows],
        **changes,
    )


@dataclass
class Ever(CheckedParams):
    """The source's own label (``target=ever``)."""

    needs_panel: ClassVar[bool] = False

    def prepare(self, dataset: Dataset) -> Dataset:
        """`dataset` as it is."""
        return dataset


@dataclass
class Within(CheckedParams):
    """Fails within `years` of the statement (``target=within``); censored rows left out.

    Parameters
    ----------
    years : int
        The horizon H, in periods of the time column (years).
    """

    _parameter_constraints: ClassVar[dict] = {"years": [Interval(Integral, 1, None, closed="left")]}
    needs_panel: ClassVar[bool] = True

    years: int = 1

    @property
    def main_years(self) -> int:
        """The horizon validation and test rows are labelled for."""
        return self.years

    def prepare(self, dataset: Dataset) -> Dataset:
        """The observed rows of `dataset` labelled for `years`."""
        self._validate_params()
        panel = require_panel(dataset, f"target=within target.years={self.years}")
        positive, observed = panel.within(self.years)
        rows = np.flatnonzero(observed)
        if not positive.any():
            raise DataError(
                f"{dataset.source}: no {self.years}-year window closes on a failure inside the "
                f"data ({panel.time.min()}-{panel.end}); lower target.years"
            )
        horizon = Horizon("within", (self.years,), self.years, panel, rows)
        return _subset(
            dataset,
            rows,
            positive[rows],
            name=f"{dataset.name}_within{self.years}y",
            label_time=pd.Series(panel.time[rows] + self.years, index=dataset.X.index[rows]),
            horizon=horizon,
        )


@dataclass
class TermStructure(CheckedParams):
    """Cumulative PDs for 1..`years` from a discrete-time hazard model (``target=term_structure``).

    Parameters
    ----------
    years : int
        The longest horizon H.
    """

    _parameter_constraints: ClassVar[dict] = {"years": [Interval(Integral, 2, None, closed="left")]}
    needs_panel: ClassVar[bool] = True
    #: The yearly hazard needs probabilities (a calibration map gives score-only models some).
    needs_probabilities: ClassVar[bool] = True
    #: Validation and test parts score the first year's records: the 1-year PD.
    main_years: ClassVar[int] = 1

    years: int = 5

    def prepare(self, dataset: Dataset) -> Dataset:
        """One record per row and year ahead at risk and observed, labelled by the hazard."""
        self._validate_params()
        panel = require_panel(dataset, f"target=term_structure target.years={self.years}")
        if PERIOD in dataset.X.columns:
            raise DataError(
                f"{dataset.source}: the data has a column '{PERIOD}', the name the hazard "
                "model gives its year-ahead feature; rename it"
            )
        rows, period, label = panel.person_periods(self.years)
        horizon = Horizon("term_structure", tuple(range(1, self.years + 1)), 1, panel, rows)
        derived = _subset(
            dataset,
            rows,
            label,
            name=f"{dataset.name}_term{self.years}y",
            label_time=pd.Series(panel.time[rows] + period, index=dataset.X.index[rows]),
            evaluated=period == 1,
            horizon=horizon,
        )
        derived.X = derived.X.assign(**{PERIOD: period.astype(np.float64)})
        return derived


@dataclass
class Auto(CheckedParams):
    """`Within` `years` on firm-year panels, the source's own label otherwise (``target=auto``).

    Parameters
    ----------
    years : int
        The horizon on panels.
    """

    _parameter_constraints: ClassVar[dict] = {"years": [Interval(Integral, 1, None, closed="left")]}
    needs_panel: ClassVar[bool] = False

    years: int = 1

    def prepare(self, dataset: Dataset) -> Dataset:
        """`Within` on panels, `dataset` unchanged otherwise."""
        if dataset.time is None or dataset.groups is None:
            return dataset
        return Within(self.years).prepare(dataset)
