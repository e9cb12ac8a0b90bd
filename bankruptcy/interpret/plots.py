"""Interpretation figures: importances, SHAP summary, one company's factors, partial dependence.

Same conventions as `bankruptcy.evaluation.plots`: object API on the Agg
canvas, functions return a `Figure`; the job's outputs write it.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankruptcy.evaluation.plots import new_figure, titled
from bankruptcy.interpret.features import label

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _bar_height(n: int) -> float:
    return 1.6 + 0.32 * n


def permutation_figure(
    table: pd.DataFrame, descriptions: dict, scoring: str, top: int = 15, subtitle: str = ""
) -> Figure:
    """Top permutation importances with their spread (mean ± std over repeats)."""
    part = table.head(top).iloc[::-1]
    fig = new_figure(8.0, _bar_height(len(part)))
    ax = fig.add_subplot()
    ax.barh(
        [label(f, descriptions) for f in part["feature"]],
        part["importance_mean"],
        xerr=part["importance_std"],
        color="tab:blue",
        capsize=3,
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set(xlabel=f"Drop in test {scoring} when shuffled (mean ± std)")
    ax.set_title(titled("Permutation importance on the test split", subtitle))
    return fig


def native_figure(
    table: pd.DataFrame, descriptions: dict, top: int = 15, subtitle: str = ""
) -> Figure:
    """The model's own importances (signed coefficients or impurity importance)."""
    part = table.head(top).iloc[::-1]
    kind = str(table["kind"].iloc[0])
    fig = new_figure(8.0, _bar_height(len(part)))
    ax = fig.add_subplot()
    colours = np.where(part["importance"] >= 0, "tab:red", "tab:blue")
    ax.barh([label(f, descriptions) for f in part["feature"]], part["importance"], color=colours)
    ax.axvline(0, color="black", lw=0.8)
    xlabel = (
        "Coefficient on the preprocessed feature (red: raises bankruptcy risk)"
        if kind == "coefficient"
        else "Mean impurity decrease (share of total)"
    )
    ax.set(xlabel=xlabel)
    ax.set_title(titled(f"Native model importance ({kind})", subtitle))
    return fig


def shap_summary_figure(expl, descriptions: dict, top: int = 15, subtitle: str = "") -> Figure:
    """Beeswarm-style summary: each dot a company, coloured by the feature's value percentile."""
    order = np.argsort(-np.abs(expl.values).mean(axis=0))[:top][::-1]
    rng = np.random.default_rng(0)  # jitter only; fixed so the picture is reproducible
    fig = new_figure(8.5, _bar_height(len(order)))
    ax = fig.add_subplot()
    points = None
    for row, j in enumerate(order):
        values = expl.data.iloc[:, j]
        colour = values.rank(pct=True).to_numpy()  # percentiles: robust to heavy tails
        jitter = rng.uniform(-0.3, 0.3, len(values))
        points = ax.scatter(
            expl.values[:, j],
            row + jitter,
            c=colour,
            cmap="coolwarm",
            vmin=0,
            vmax=1,
            s=6,
            alpha=0.7,
            plotnonfinite=True,
        )
    ax.set_yticks(
        range(len(order)), [label(str(expl.data.columns[j]), descriptions) for j in order]
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set(xlabel=f"SHAP value (contribution to the {expl.output})")
    ax.set_title(titled(f"SHAP summary ({len(expl.data):,} test companies)", subtitle))
    if points is not None:
        fig.colorbar(points, ax=ax, label="Feature value (percentile among companies)")
    return fig


def company_figure(factors: pd.DataFrame, expl_output: str, subtitle: str = "") -> Figure:
    """Top factors of the first company in `factors` (from `company_factors`)."""
    company = factors["company"].iloc[0]
    part = factors[factors["company"] == company].iloc[::-1]
    fig = new_figure(9.0, 1.2 + 0.55 * len(part))
    ax = fig.add_subplot()
    names = [
        f"{column} = {'missing' if np.isnan(value) else f'{value:.4g}'}"
        + ("\n" + textwrap.shorten(desc, 55, placeholder="…") if desc else "")
        for column, value, desc in zip(
            part["value_of"], part["value"], part["description"], strict=True
        )
    ]
    ax.barh(names, part["contribution"], color="tab:red")
    ax.set(xlabel=f"SHAP contribution to the {expl_output}")
    first = part.iloc[0]
    status = "went bankrupt" if first["bankrupt"] else "did not go bankrupt"
    ax.set_title(
        titled(
            f"Company {company} (score {first['score']:.3g}, {status}): top risk factors", subtitle
        )
    )
    return fig


def pdp_figure(curves: list[dict], descriptions: dict, response: str, subtitle: str = "") -> Figure:
    """Partial dependence of the score on each top feature, with the data's deciles as a rug.

    Parameters
    ----------
    curves : list of dict
        ``{"feature", "grid", "average", "deciles"}`` per feature.
    """
    n = len(curves)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig = new_figure(5.0 * cols, 3.4 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, curve in zip(axes, curves, strict=False):
        ax.plot(curve["grid"], curve["average"], "o-", color="tab:red", lw=2, ms=3)
        ymin = np.min(curve["average"])
        ax.plot(curve["deciles"], np.full(len(curve["deciles"]), ymin), "|", color="black", ms=10)
        xlabel = label(curve["feature"], descriptions, width=44)
        q25, q75 = np.percentile(curve["grid"], [25, 75])
        if np.ptp(curve["grid"]) > 10 * (q75 - q25):  # heavy tail: stretch the middle
            ax.set_xscale("symlog", linthresh=max(q75 - q25, 1e-9))
            xlabel += " (symlog)"
        ax.set(xlabel=xlabel, ylabel=f"Mean {response}")
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(
        titled("Partial dependence (grid: 5th-95th percentiles; ticks: deciles)", subtitle)
    )
    return fig
