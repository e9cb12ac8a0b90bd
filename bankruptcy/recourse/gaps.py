"""Data gaps: the missing values that raise a firm's PD, reported apart from its plans.

A plan never fills a missing value (in the Polish data missingness itself carries the label:
Attr27 is missing for 44 % of bankrupt firms and 3 % of the others, so "fill Attr27" would look
like a one-change plan for most flagged firms, a plan about the data, not the firm). What a
credit officer can do instead is ask for the figure: for each missing feature, the PD with
that feature at the training median says how much the gap weighs.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.recourse.constraints import FeatureSpace


def gap_rows(X: np.ndarray, space: FeatureSpace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each firm of `X` with one missing feature filled at the training median: the rows, and
    the firm and the feature of each (what `data_gaps` reads the PDs of)."""
    firm, feature = np.nonzero(~np.isfinite(X) & np.isfinite(space.median))
    rows = X[firm].copy()
    rows[np.arange(len(firm)), feature] = space.median[feature]
    return rows, firm, feature


def data_gaps(
    filled: np.ndarray, firm: np.ndarray, feature: np.ndarray, pd: np.ndarray, space
) -> list[dict[str, float]]:
    """Each firm's gaps that raise its PD.

    Parameters
    ----------
    filled : ndarray
        The package's PD of each row of `gap_rows`.
    firm, feature : ndarray
        The firm and the feature of each such row.
    pd : ndarray of shape (n,)
        The firms' PDs as given.
    space : FeatureSpace
        The features' names.

    Returns
    -------
    list of dict
        Per firm: missing feature -> PD with it at the training median, for the features whose
        filling lowers the PD, lowest PD first.
    """
    gaps: list[dict[str, float]] = [{} for _ in range(len(pd))]
    lowers = filled < pd[firm]
    found = zip(firm[lowers], feature[lowers], filled[lowers], strict=True)
    for i, j, p in sorted(found, key=lambda t: t[2]):
        gaps[i][space.names[j]] = float(p)
    return gaps


def filled_gaps(x: np.ndarray, gaps: dict[str, float], space: FeatureSpace) -> np.ndarray:
    """Firm `x` with every gap of `gaps` filled at the training median."""
    row = x.copy()
    columns = [space.names.index(name) for name in gaps]
    row[columns] = space.median[columns]
    return row
