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
from bankruptcy.recourse.search import Scorer


def data_gaps(
    score: Scorer, X: np.ndarray, pd: np.ndarray, space: FeatureSpace
) -> list[dict[str, float]]:
    """Each firm's gaps that raise its PD (one scoring call).

    Parameters
    ----------
    score : callable
        Rows -> the package's PD.
    X : ndarray of shape (n, p)
        Firms, contract order.
    pd : ndarray of shape (n,)
        Their PDs.
    space : FeatureSpace
        The training medians.

    Returns
    -------
    list of dict
        Per firm: missing feature -> PD with it at the training median, for the features whose
        filling lowers the PD, lowest PD first.
    """
    firm, feature = np.nonzero(~np.isfinite(X) & np.isfinite(space.median))
    gaps: list[dict[str, float]] = [{} for _ in range(len(X))]
    if len(firm) == 0:
        return gaps
    rows = X[firm].copy()
    rows[np.arange(len(firm)), feature] = space.median[feature]
    each = score(rows)
    lowers = each < pd[firm]
    for i, j, p in sorted(
        zip(firm[lowers], feature[lowers], each[lowers], strict=True), key=lambda t: t[2]
    ):
        gaps[i][space.names[j]] = float(p)
    return gaps


def filled_gaps(x: np.ndarray, gaps: dict[str, float], space: FeatureSpace) -> np.ndarray:
    """Firm `x` with every gap of `gaps` filled at the training median."""
    row = x.copy()
    columns = [space.names.index(name) for name in gaps]
    row[columns] = space.median[columns]
    return row
