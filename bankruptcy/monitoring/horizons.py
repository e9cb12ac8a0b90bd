"""Realized performance by horizon: a label for horizon h is known h years after the statement.

A horizon model's rows come with their firm and fiscal year (the package's ``data.group`` and
``data.time`` columns) and the firm's outcome as of the window's last year (the training data's
label values, e.g. ``failed``/``alive``). The labels follow the training rule
(`bankruptcy.horizons.labels`): a row's h-year label has matured when its window closed inside
the window's years; rows whose window has not closed yet are left out of that horizon, never
counted as survivors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.pd_validation import calibration_statistics
from bankruptcy.horizons.labels import Panel

#: Realized metrics per horizon.
METRICS = ("roc_auc", "pr_auc", "brier")


def matured_labels(package, frame: pd.DataFrame, outcome: np.ndarray, where: str) -> dict:
    """Each horizon's 0/1 labels of the rows of `frame` (NaN where not matured yet).

    Parameters
    ----------
    package : ModelPackage
        A horizon model (``package.horizons``).
    frame : DataFrame
        The rows' other columns: the firm and the fiscal year among them.
    outcome : numpy.ndarray
        The firm's outcome on each row, 0/1 (NaN = unknown: that firm's rows are left out).
    where : str
        The source, for messages.
    """
    data = package.manifest["data"]
    columns = [data.get("group"), data.get("time")]
    if None in columns or not set(columns) <= set(frame.columns):
        raise UserError(
            f"{where}: a horizon model's labels mature with time: the rows need the firm and "
            f"fiscal-year columns {[c for c in columns if c]} beside the label column"
        )
    known = ~np.isnan(outcome)
    firms, years = frame[columns[0]][known], frame[columns[1]][known]
    panel = Panel.of(years, firms, pd.Series(outcome[known].astype(int)), where)
    labels = {}
    for h in package.horizons["years"]:
        positive, observed = panel.within(h)
        label = np.full(len(frame), np.nan)
        label[np.flatnonzero(known)[observed]] = positive[observed]
        labels[h] = label
    return labels


def realized_by_horizon(pds: np.ndarray, labels: dict, years) -> list[dict]:
    """Per horizon: matured rows, realized metrics and calibration of the PDs (n, horizons)."""
    rows = []
    for j, h in enumerate(years):
        matured = ~np.isnan(labels[h])
        y = labels[h][matured].astype(int)
        row = {"years": h, "rows": int(matured.sum()), "bankrupt": int(y.sum())}
        if len(np.unique(y)) == 2:
            row.update(M.compute(METRICS, y, pds[matured, j], M.ScoreKind.PROBA))
            row.update(calibration_statistics(y, pds[matured, j]))
        rows.append(row)
    return rows


def horizon_lines(performance: dict) -> list[str]:
    """Each horizon's realized ROC-AUC and calibration in words (none without horizons)."""
    lines = []
    for row in performance.get("by_horizon") or []:
        if "roc_auc" not in row:
            lines.append(
                f"{row['years']}-year horizon: {row['rows']:,} matured rows, "
                f"{row['bankrupt']} bankrupt: too few to measure."
            )
            continue
        lines.append(
            f"{row['years']}-year horizon: {row['rows']:,} matured rows, realized ROC-AUC "
            f"{row['roc_auc']:.3f}, mean PD {row['mean_pd']:.4f} vs observed "
            f"{row['observed_rate']:.4f} [{row['observed_rate_ci_low']:.4f}, "
            f"{row['observed_rate_ci_high']:.4f}]."
        )
    return lines
