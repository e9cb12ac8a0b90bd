"""Evaluation by horizon: each horizon's PDs against the test rows whose label is observed.

Keys added to ``metrics.json`` for a horizon target (``dataset.horizon``), for every horizon
``h`` it answers whose observed test rows hold both classes:

- ``test/<m>_<h>y`` for ``roc_auc``, ``pr_auc``, ``brier``, ``ece``, the calibration
  statistics of `bankruptcy.evaluation.pd_validation` (``mean_pd``, ``observed_rate`` with its
  interval, ``calibration_slope``...) and ``rows`` (the observed test rows);
- a term structure's also ``test/km_rate_<h>y`` (with ``_ci_low``/``_ci_high``): the observed
  cumulative failure rate of all test statements (Kaplan-Meier, censored ones included, which
  per-horizon rates leave out), ``test/mean_pd_all_<h>y`` (the mean PD of the same
  statements), ``test/td_auc_<h>y`` (cumulative/dynamic time-dependent AUC, inverse-probability
  of censoring weighted) and ``test/ibs`` (the integrated Brier score over the observed
  horizons): scikit-survival's implementations.

The main horizon's metrics are also the plain ``test/<m>`` keys (the protocol computes them).
A table ``horizons`` (one row per horizon) and figures ``term_structure`` (mean PD against the
observed cumulative rate) and ``auc_by_horizon`` come with them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.figures import new_figure
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.pd_validation import calibration_statistics

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

#: Registry metrics reported per horizon.
HORIZON_METRICS = ("roc_auc", "pr_auc", "brier", "ece")


def horizon_evaluation(result, figures: bool = True) -> Artifacts:
    """Per-horizon keys, table and figures of `result` (nothing without a horizon target)."""
    horizon = result.dataset.horizon
    if horizon is None or result.horizon_pds is None:
        return Artifacts()
    pds, test = result.horizon_pds, result.split.test
    rows = []
    for j, years in enumerate(horizon.years):
        positive, observed = horizon.labels(test, years)
        y = positive[observed].astype(int)
        if len(np.unique(y)) < 2:
            log.info("horizon %dy: %d observed test rows, one class: not evaluated", years, len(y))
            continue
        values = M.compute(HORIZON_METRICS, y, pds[observed, j], M.ScoreKind.PROBA)
        values.update(calibration_statistics(y, pds[observed, j]))
        rows.append({"years": years, "rows": int(observed.sum()), **values})
    table = pd.DataFrame(rows)
    if horizon.period_column is not None and len(table):
        table = table.merge(survival_table(result, horizon), on="years", how="left")
    out = Artifacts(metrics=_keys(table), tables={"horizons": table} if len(table) else {})
    if horizon.period_column is not None and len(table):
        out.metrics["test/ibs"] = integrated_brier(result, horizon, table["years"].to_numpy())
    if figures and len(table) > 1:
        subtitle = result.dataset.name
        out.figures["term_structure"] = term_structure_figure(table, subtitle)
        out.figures["auc_by_horizon"] = auc_figure(table, subtitle)
    return out


def _keys(table: pd.DataFrame) -> dict[str, float]:
    """``test/<column>_<h>y`` for every cell of the per-horizon table."""
    return {
        f"test/{column}_{int(row['years'])}y": float(row[column])
        for _, row in table.iterrows()
        for column in table.columns
        if column != "years" and pd.notna(row[column])
    }


def _survival_data(result, horizon):
    """scikit-survival's structured arrays of the training and test statements.

    Training statements are censored at the last period the training rows' labels reach
    (the protocol's cutoff), test statements at the data's end.
    """
    from sksurv.util import Surv

    panel = horizon.panel
    cutoff = int(result.dataset.label_time.to_numpy()[result.split.train].max())
    train = np.unique(horizon.rows[result.split.train])
    test = horizon.rows[result.split.test]
    survival = []
    for rows, end in ((train, cutoff), (test, panel.end)):
        duration, event = panel.durations(end)
        keep = rows[duration[rows] > 0]
        survival.append((Surv.from_arrays(event[keep], duration[keep]), keep))
    return survival


def survival_table(result, horizon) -> pd.DataFrame:
    """Per horizon: Kaplan-Meier cumulative failure rate of the test statements (with its
    95 % interval), their mean PD, and the time-dependent AUC."""
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.nonparametric import kaplan_meier_estimator

    (train, _), (test, kept) = _survival_data(result, horizon)
    pds = result.horizon_pds[np.isin(horizon.rows[result.split.test], kept)]
    times, survival, (low, high) = kaplan_meier_estimator(
        test["event"], test["time"], conf_type="log-log"
    )
    years = np.asarray(horizon.years)
    at = np.searchsorted(times, years, side="right") - 1
    inside = at >= 0
    table = pd.DataFrame(
        {
            "years": years,
            "km_rate": np.where(inside, 1 - survival[at], 0.0),
            "km_rate_ci_low": np.where(inside, 1 - high[at], 0.0),
            "km_rate_ci_high": np.where(inside, 1 - low[at], 0.0),
            "mean_pd_all": pds.mean(axis=0),
        }
    )
    # times must lie inside the test follow-up; censoring weights need the training data
    usable = years[(years < test["time"].max()) & (years <= train["time"].max())]
    if len(usable):
        auc, _ = cumulative_dynamic_auc(train, test, pds[:, usable - 1], usable)
        table["td_auc"] = pd.Series(auc, index=usable - 1)
    return table[table["years"] <= times.max()]


def integrated_brier(result, horizon, years: np.ndarray) -> float:
    """The integrated Brier score of the test statements' survival curves over `years`."""
    from sksurv.metrics import integrated_brier_score

    (train, _), (test, kept) = _survival_data(result, horizon)
    usable = years[(years < test["time"].max()) & (years <= train["time"].max())]
    if len(usable) < 2:
        return float("nan")
    pds = result.horizon_pds[np.isin(horizon.rows[result.split.test], kept)]
    return float(integrated_brier_score(train, test, 1 - pds[:, usable - 1], usable))


def term_structure_figure(table: pd.DataFrame, subtitle: str = "") -> Figure:
    """Mean PD by horizon against the observed rate (observed rows) and Kaplan-Meier."""
    fig = new_figure()
    ax = fig.add_subplot()
    x = table["years"]
    ax.plot(x, table["mean_pd"], "o-", color="tab:red", label="mean PD (observed rows)")
    ax.errorbar(
        x,
        table["observed_rate"],
        yerr=[
            table["observed_rate"] - table["observed_rate_ci_low"],
            table["observed_rate_ci_high"] - table["observed_rate"],
        ],
        fmt="s",
        color="black",
        capsize=3,
        label="observed rate, 95 % CI",
    )
    if "km_rate" in table:
        ax.plot(x, table["mean_pd_all"], "o--", color="tab:orange", label="mean PD (all rows)")
        ax.fill_between(
            x, table["km_rate_ci_low"], table["km_rate_ci_high"], color="tab:blue", alpha=0.2
        )
        ax.plot(x, table["km_rate"], color="tab:blue", label="Kaplan-Meier cumulative failure")
    ax.set(xlabel="Horizon (years after the statement)", ylabel="Cumulative failure rate")
    ax.set_xticks(list(x))
    ax.set_title(f"PD term structure vs observed\n{subtitle}" if subtitle else "PD term structure")
    ax.legend(loc="upper left")
    return fig


def auc_figure(table: pd.DataFrame, subtitle: str = "") -> Figure:
    """ROC-AUC (observed rows) and time-dependent AUC by horizon."""
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(table["years"], table["roc_auc"], "o-", label="ROC-AUC (observed rows)")
    if "td_auc" in table:
        ax.plot(table["years"], table["td_auc"], "s--", label="time-dependent AUC (IPCW)")
    ax.set(xlabel="Horizon (years after the statement)", ylabel="AUC", ylim=(0.5, 1.0))
    ax.set_xticks(list(table["years"]))
    ax.set_title(f"Discrimination by horizon\n{subtitle}" if subtitle else "AUC by horizon")
    ax.legend(loc="lower left")
    return fig
