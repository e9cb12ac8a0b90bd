"""Figures of the monitoring report: features, scores, drift tests, performance.

Drawn with `bankruptcy.core.figures.new_figure` (matplotlib's object API on the Agg canvas,
nothing global); every function returns a `Figure`, `html.write_html` saves them.
Feature panels show empirical CDFs: the KS statistic is their largest vertical gap, so
the picture shows what the test measured. Heavy-tailed ratios are drawn on a
symmetric-log axis that is linear within one robust standard deviation of zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankruptcy.core.figures import new_figure
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.plots import score_axis, score_bins, shown_scores
from bankruptcy.monitoring.measures import robust_scale

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLORS = {"reference": "#4C72B0", "current": "#DD8452"}


def features_figure(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], details: dict
) -> Figure:
    """Reference vs current distribution of `columns`: ECDFs (numeric) or shares (categorical).

    `details` is the report's ``columns`` entry (test, adjusted p-value, effect sizes).
    """
    n_cols = 3
    n_rows = math.ceil(len(columns) / n_cols)
    figure = new_figure(15, 0.8 + 3.3 * n_rows)
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, name in zip(axes, columns, strict=False):
        info = details[name]
        if info["kind"] == "numeric":
            _ecdf_panel(ax, reference[name], current[name])
        else:
            _share_panel(ax, reference[name], current[name])
        ax.set_title(_panel_title(name, info), fontsize=9)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle("Reference (training sample) vs current window, non-missing values")
    return figure


def scores_figure(
    reference_scores: np.ndarray, current_scores: np.ndarray, threshold: float, kind: ScoreKind
) -> Figure:
    """Histograms of reference (test-row) and current scores as shares, with the threshold."""
    ref, cur = shown_scores(reference_scores, kind), shown_scores(current_scores, kind)
    edges = score_bins(np.concatenate([ref, cur]), kind)
    figure = new_figure(8, 4.5)
    ax = figure.add_subplot()
    for name, values in (("reference", ref), ("current", cur)):
        ax.hist(
            values,
            bins=edges,
            weights=np.full(len(values), 1 / len(values)),
            histtype="step",
            lw=2,
            color=COLORS[name],
            label=f"{name} (n={len(values):,})",
        )
    ax.axvline(shown_scores(threshold, kind), color="black", ls="--", lw=1, label="threshold")
    ax.set_yscale("log")
    score_axis(ax, kind, kind.axis_label)
    ax.set_ylabel("share of rows (log scale)")
    ax.set_title("Model scores: reference (test rows) vs current window")
    ax.legend()
    return figure


def tests_figure(table: pd.DataFrame, alpha: float, top: int = 25) -> Figure:
    """Left: Holm-adjusted p-values of the most significant columns. Right: effect sizes."""
    tested = table[table["status"] == "tested"].sort_values("pvalue_adjusted").head(top)
    figure = new_figure(14, 0.8 + 0.22 * max(len(tested), 8))
    left, right = figure.subplots(1, 2)
    strength = -np.log10(np.maximum(tested["pvalue_adjusted"].to_numpy(float), 1e-300))
    colors = [COLORS["current"] if d else "#999999" for d in tested["drift"]]
    positions = np.arange(len(tested))[::-1]
    left.barh(positions, strength, color=colors)
    left.set_yticks(positions, tested["column"])
    left.axvline(-np.log10(alpha), color="black", ls="--", lw=1, label=f"alpha = {alpha:.3g}")
    left.set_xlabel("-log10(Holm-adjusted p-value); orange = drifted")
    left.set_title(f"The {len(tested)} most significant columns")
    left.legend(loc="lower right")
    numeric = table[table["kind"] == "numeric"]
    right.scatter(
        numeric["wasserstein"],
        numeric["psi"],
        c=[COLORS["current"] if d else "#999999" for d in numeric["drift"]],
        s=18,
    )
    for row in numeric[numeric["drift"]].itertuples():
        right.annotate(row.column, (row.wasserstein, row.psi), fontsize=7)
    right.set_xscale("symlog", linthresh=0.1)
    right.set_yscale("symlog", linthresh=0.01)
    right.set_xlabel("Wasserstein distance / reference IQR-scale (winsorised)")
    right.set_ylabel("PSI (reference-decile bins)")
    right.set_title("Effect sizes of numeric columns")
    return figure


#: The performance views drawn, and their legend: each window view beside its reference.
PERFORMANCE_SERIES = {
    "reference_estimated": "reference rows, estimated (bootstrap)",
    "estimated": "window, estimated (band: label draws)",
    "reference": "reference rows, realized (bootstrap)",
    "realized": "window, realized (bootstrap)",
}


def performance_figure(performance: dict) -> Figure | None:
    """Estimated and realized metrics with intervals beside the reference (test-row) values."""
    series = {
        label: performance[name]["metrics"]
        for name, label in PERFORMANCE_SERIES.items()
        if "metrics" in performance.get(name, {})
    }
    if not series:
        return None
    names = sorted({m for metrics in series.values() for m in metrics})
    figure = new_figure(9, 4.5)
    ax = figure.add_subplot()
    offsets = np.linspace(-0.25, 0.25, len(series))
    for offset, (label, metrics) in zip(offsets, series.items(), strict=True):
        x = [i + offset for i, m in enumerate(names) if m in metrics]
        shown = [metrics[m] for m in names if m in metrics]
        value = np.array([s["value"] if s["value"] is not None else np.nan for s in shown])
        low = np.array([s["low"] if s["low"] is not None else np.nan for s in shown])
        high = np.array([s["high"] if s["high"] is not None else np.nan for s in shown])
        ax.errorbar(x, value, yerr=[value - low, high - value], fmt="o", capsize=4, label=label)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("metric value (bars: interval)")
    ax.set_title("Performance: label-free estimates and realized metrics, reference vs window")
    ax.legend()
    return figure


def _ecdf_panel(ax, reference: pd.Series, current: pd.Series) -> None:
    ref = reference.to_numpy(dtype=np.float64, na_value=np.nan)
    cur = current.to_numpy(dtype=np.float64, na_value=np.nan)
    for name, values in (("reference", ref), ("current", cur)):
        values = np.sort(values[np.isfinite(values)])
        if values.size:
            ax.step(
                values,
                np.arange(1, values.size + 1) / values.size,
                where="post",
                color=COLORS[name],
                label=name,
            )
    scale = robust_scale(ref)
    ax.set_xscale("symlog", linthresh=scale if np.isfinite(scale) else 1.0)
    ax.xaxis.get_major_locator().set_params(numticks=6)
    ax.set_ylabel("share of rows <= value")


def _share_panel(ax, reference: pd.Series, current: pd.Series) -> None:
    shares = pd.DataFrame(
        {
            "reference": reference.value_counts(normalize=True),
            "current": current.value_counts(normalize=True),
        }
    ).fillna(0)
    positions = np.arange(len(shares))
    for offset, name in ((-0.2, "reference"), (0.2, "current")):
        ax.bar(positions + offset, shares[name], width=0.4, color=COLORS[name], label=name)
    ax.set_xticks(positions, [str(v) for v in shares.index], rotation=30)
    ax.set_ylabel("share of non-missing values")


def _panel_title(name: str, info: dict) -> str:
    p = info.get("pvalue_adjusted")
    p_text = "untested" if p is None else f"adj. p={p:.2g}"
    effects = [f"PSI={info['psi']:.2f}"] if info.get("psi") is not None else []
    if info.get("wasserstein") is not None:
        effects.append(f"W/scale={info['wasserstein']:.2f}")
    flag = "DRIFT " if info.get("drift") else ""
    return f"{flag}{name}: {info['test']} {p_text}, " + ", ".join(effects)
