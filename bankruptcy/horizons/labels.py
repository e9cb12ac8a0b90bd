"""Labels by horizon from a firm-year panel: when a firm fails, and which windows are observed.

A panel holds one statement per firm and period (fiscal year), and a firm-level outcome: the
firm failed, or not (the American data's ``status_label``: every row of a failed firm says
``failed``). The event period is derived from the firm's last statement: a failed firm's last
observed statement is its last one before failure, so it fails in the period after it
(``event = last + 1``).

A row at period ``t`` asks "does the firm fail within ``H`` periods?": its window is
``(t, t + H]``. The answer is known (the row is *observed* for ``H``) only when the window
closes inside the data, for every firm alike: ``t + H <= end`` (the data's last period, or an
earlier cutoff that hides later periods from training rows). Within that, a failed firm's
row is positive when ``event <= t + H`` and negative otherwise; an alive firm's row is
negative when the firm still reports at ``t + H`` (``last >= t + H``) and censored when it
left the data before (a merger, a delisting: its outcome is unknown, never a survival).

Censoring by the window for every firm matters at the data's end: the last period's rows of
alive firms are censored (nothing after them is observed), so the failed firms' last rows of
that period must be censored too; censoring by status would make that period all bankrupt.

A discrete-time hazard model (Shumway 2001) uses a row up to its last observed period
instead: `person_periods` expands each row into one record per period ``k = 1..H`` at which
the firm is still at risk and observed, labelled 1 in the period it fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankruptcy.core.errors import DataError


@dataclass(frozen=True)
class Panel:
    """What every row of a firm-year panel says about its firm's outcome.

    Attributes
    ----------
    time : numpy.ndarray of int
        The row's statement period (fiscal year).
    last : numpy.ndarray of int
        The firm's last statement period (the same on every row of a firm).
    failed : numpy.ndarray of bool
        Whether the firm failed after its last statement.
    end : int
        The data's last period.
    """

    time: np.ndarray
    last: np.ndarray
    failed: np.ndarray
    end: int

    @classmethod
    def of(cls, time: pd.Series, groups: pd.Series, y: pd.Series, source: str) -> Panel:
        """The panel facts of rows with their period, firm and the firm-level label.

        A firm failed when any of its rows is labelled bankrupt (the American file labels all
        of them; a file labelling only the last statement gives the same firms).

        Raises
        ------
        DataError
            Periods that are not whole numbers, or a firm with two rows in one period.
        """
        periods = pd.to_numeric(time, errors="coerce").to_numpy(dtype=float)
        if np.isnan(periods).any() or not np.all(periods == np.round(periods)):
            raise DataError(
                f"{source}: time column '{time.name}' must hold whole periods (e.g. fiscal "
                "years) for labels by horizon"
            )
        periods = periods.astype(np.int64)
        firms = pd.Series(pd.factorize(groups)[0])
        if pd.DataFrame({"f": firms, "t": periods}).duplicated().any():
            raise DataError(
                f"{source}: a firm ('{groups.name}') has two rows for one period of "
                f"'{time.name}'; labels by horizon need one statement per firm and period"
            )
        last = pd.Series(periods).groupby(firms).transform("max").to_numpy()
        failed = pd.Series(y.to_numpy() == 1).groupby(firms).transform("max").to_numpy()
        return cls(periods, last, failed.astype(bool), int(periods.max()))

    @property
    def event(self) -> np.ndarray:
        """The period each row's firm fails in (``last + 1``); a large number for survivors."""
        return np.where(self.failed, self.last + 1, np.iinfo(np.int64).max)

    def within(self, years: int, cutoff: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Labels of "fails within `years` periods of this statement" and where they are known.

        Parameters
        ----------
        years : int
            The horizon H.
        cutoff : int, optional
            The last period whose events are seen (default: the data's end).

        Returns
        -------
        (positive, observed) : numpy.ndarray of bool
            ``positive`` is meaningful where ``observed``; censored rows are neither
            positive nor negative.
        """
        cutoff = self.end if cutoff is None else cutoff
        window_end = self.time + years
        observed = (window_end <= cutoff) & (self.failed | (self.last >= window_end))
        positive = observed & (self.event <= window_end)
        return positive, observed

    def durations(self, cutoff: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Survival data of every row: periods to the event or to censoring, and the event flag.

        A failed firm's row has ``event - t`` periods with the event seen when the event period
        is inside the data (``<= cutoff``); otherwise it is censored at the cutoff. An alive
        firm's row is censored at its firm's last statement (or the cutoff).
        """
        cutoff = self.end if cutoff is None else cutoff
        seen = self.failed & (self.event <= cutoff)
        stop = np.where(seen, self.event, np.minimum(self.last, cutoff))
        return stop - self.time, seen

    def person_periods(self, years: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One record per row and period at which its firm is at risk and observed.

        Returns
        -------
        (rows, period, label) : numpy.ndarray
            Row position, period ``k`` (1..`years`) and 1 when the firm fails in period ``k``
            (between the statements ``t + k - 1`` and ``t + k``). A row contributes periods
            ``1..min(years, duration)`` (`durations`): the hazard model uses it up to its last
            observed period.
        """
        duration, event = self.durations()
        periods = np.minimum(duration, years)
        rows = np.repeat(np.arange(len(self.time)), np.maximum(periods, 0))
        starts = np.cumsum(np.maximum(periods, 0)) - np.maximum(periods, 0)
        period = np.arange(len(rows)) - np.repeat(starts, np.maximum(periods, 0)) + 1
        label = event[rows] & (period == duration[rows])
        return rows, period, label.astype(np.int8)
