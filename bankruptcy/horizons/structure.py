"""Term structures of PDs from a yearly hazard: one scoring call for every year ahead.

A hazard model scores a statement once per year ahead ``k`` (its ``years_ahead`` feature set
to ``k``): ``h_k`` = P(fails in year k | survived to year k - 1). The cumulative PD of
horizon ``H`` is ``1 - prod_{k <= H} (1 - h_k)``: it cannot fall as the horizon grows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def expand(X: pd.DataFrame, years: int, column: str) -> pd.DataFrame:
    """`X` repeated once per year ahead ``1..years`` (year-major blocks), `column` set to it."""
    n = len(X)
    out = pd.concat([X] * years, ignore_index=True)
    out[column] = np.repeat(np.arange(1, years + 1, dtype=np.float64), n)
    return out


def cumulative(hazards: np.ndarray) -> np.ndarray:
    """Cumulative PDs (n, H) of yearly hazards (n, H): ``1 - cumprod(1 - h)``, non-decreasing."""
    hazards = np.clip(np.asarray(hazards, dtype=np.float64), 0.0, 1.0)
    return 1.0 - np.cumprod(1.0 - hazards, axis=1)


def term_structure(
    hazard: Callable[[pd.DataFrame], np.ndarray], X: pd.DataFrame, years: int, column: str
) -> np.ndarray:
    """Cumulative PDs (n, `years`) of rows `X` (without `column`) from a yearly `hazard`.

    Parameters
    ----------
    hazard : callable
        Calibrated yearly hazard of rows that carry `column` (one call for all of them).
    X : DataFrame
        The rows.
    years : int
        The longest horizon.
    column : str
        The hazard model's year-ahead feature.
    """
    rows = expand(X.drop(columns=[column], errors="ignore"), years, column)
    hazards = np.asarray(hazard(rows), dtype=np.float64).reshape(years, len(X)).T
    return cumulative(hazards)


def pd_columns(years) -> list[str]:
    """Output column names of the horizons `years`: ``pd_1y``, ``pd_2y``, ..."""
    return [f"pd_{h}y" for h in years]
