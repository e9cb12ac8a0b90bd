"""Figures of the exploratory-analysis report, drawn from the tables in `stats`.

Each function returns a `matplotlib.figure.Figure` bound to an Agg canvas
created on the spot: no pyplot, no global backend switch, nothing at import.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.scale import SymmetricalLogTransform
from matplotlib.ticker import MaxNLocator

from bankruptcy.core import figures

CLASS_COLORS = {0: "#4C72B0", 1: "#C44E52"}
CLASS_NAMES = {0: "operating (0)", 1: "bankrupt (1)"}
DPI = 100  # the report embeds the PNGs at their natural size

new_figure = partial(figures.new_figure, dpi=DPI)


def class_balance_figure(table: pd.DataFrame) -> Figure:
    """Bar chart of rows per class, annotated with counts and shares."""
    figure = new_figure(6.5, 4)
    ax = figure.add_subplot()
    colors = [CLASS_COLORS[label] for label in table["label"]]
    bars = ax.bar([CLASS_NAMES[label] for label in table["label"]], table["rows"], color=colors)
    labels = [
        f"{rows:,} ({share:.2%})" for rows, share in zip(table["rows"], table["share"], strict=True)
    ]
    ax.bar_label(bars, labels=labels, padding=3)
    ax.set_ylim(0, table["rows"].max() * 1.15)
    ax.set_xlabel("class")
    ax.set_ylabel("rows (count)")
    bankrupt = table.set_index("label").loc[1]
    ax.set_title(
        f"Class balance: {bankrupt['rows']:,} of {table['rows'].sum():,} rows bankrupt "
        f"({bankrupt['share']:.2%})"
    )
    return figure


def missing_figure(table: pd.DataFrame, overall_rate: float, top: int) -> Figure:
    """Share missing per feature (left) and bankrupt rate where missing vs present (right)."""
    shown = table.head(top).iloc[::-1]
    figure = new_figure(12, 1.5 + 0.32 * len(shown))
    left, right = figure.subplots(1, 2, sharey=True)
    left.barh(shown["feature"], 100 * shown["missing_share"], color="#8C8C8C")
    left.set_xlabel("rows missing this feature (%)")
    left.set_ylabel("feature")
    left.set_title(f"Missing values: the {len(shown)} most incomplete features")
    missing_bars, _ = _paired_barh(
        right,
        shown["feature"],
        {
            "rows where missing": 100 * shown["bankrupt_rate_missing"],
            "rows where present": 100 * shown["bankrupt_rate_present"],
        },
        colors=["#C44E52", "#8C8C8C"],
    )
    # A rate over 3 missing rows is noise; the count says how much to trust it.
    right.bar_label(
        missing_bars, labels=[f"n={n:,}" for n in shown["missing"]], fontsize=8, padding=2
    )
    _overall_rate_line(right, overall_rate, shown["bankrupt_rate_missing"])
    right.set_xlabel("bankrupt rate (%)")
    right.set_title("Bankrupt rate where the feature is missing vs present")
    right.legend(loc="lower right")
    return figure


def auc_figure(table: pd.DataFrame, descriptions: Mapping[str, str], top: int) -> Figure:
    """Horizontal bars of max(AUC, 1 - AUC) per feature, coloured by direction."""
    shown = table.dropna(subset=["auc"]).head(top).iloc[::-1]
    figure = new_figure(11, 1.5 + 0.3 * len(shown))
    ax = figure.add_subplot()
    colors = {"higher = riskier": CLASS_COLORS[1], "lower = riskier": CLASS_COLORS[0]}
    labels = [_label(feature, descriptions, 45) for feature in shown["feature"]]
    bars = ax.barh(labels, shown["auc"], color=[colors[d] for d in shown["direction"]])
    ax.bar_label(bars, labels=[f"{auc:.3f}" for auc in shown["auc"]], padding=2, fontsize=8)
    handles = [
        _legend_patch(color, f"{direction} (raw AUC {_side(direction)} 0.5)")
        for direction, color in colors.items()
    ]
    ax.set_xlim(0.5, 1.0)
    ax.set_xlabel("univariate ROC-AUC, max(AUC, 1 − AUC) (0.5 = no signal, 1 = perfect)")
    ax.set_ylabel("feature")
    ax.set_title(f"Univariate ROC-AUC: the {len(shown)} strongest single features")
    ax.legend(handles=handles, loc="lower right")
    return figure


def outliers_figure(
    table: pd.DataFrame, overall_rate: float, iqr_factor: float, top: int
) -> Figure:
    """Share of outlier values per feature (left) and bankrupt rate among them (right)."""
    shown = table[table["outliers"] > 0].head(top).iloc[::-1]
    figure = new_figure(12, 1.5 + 0.32 * len(shown))
    left, right = figure.subplots(1, 2, sharey=True)
    names = [
        f"{f} *" if heavy else f
        for f, heavy in zip(shown["feature"], shown["heavy_tailed"], strict=True)
    ]
    left.barh(names, 100 * shown["outlier_share"], color="#DD8452")
    left.set_xlabel(
        f"non-missing rows beyond Q1 − {iqr_factor:g}·IQR or Q3 + {iqr_factor:g}·IQR (%)"
    )
    left.set_ylabel("feature (* = heavy-tailed)")
    left.set_title(f"Outliers: the {len(shown)} features with the most")
    right.barh(names, 100 * shown["bankrupt_rate_outliers"], color=CLASS_COLORS[1])
    _overall_rate_line(right, overall_rate, shown["bankrupt_rate_outliers"])
    right.set_xlabel("bankrupt rate among the outlier rows (%)")
    right.set_title("Bankrupt rate among outliers")
    right.legend(loc="lower right")
    return figure


def correlation_figure(corr: pd.DataFrame, rows_used: int) -> Figure:
    """Heat map of a correlation matrix on a fixed -1..1 diverging scale."""
    size = min(4 + 0.16 * len(corr), 14)
    figure = new_figure(size + 1.5, size)
    ax = figure.add_subplot()
    image = ax.imshow(corr.to_numpy(), cmap=_diverging_cmap(), vmin=-1, vmax=1)
    ticks = np.arange(len(corr))
    fontsize = 10 if len(corr) <= 20 else 7
    ax.set_xticks(ticks, corr.columns, rotation=90, fontsize=fontsize)
    ax.set_yticks(ticks, corr.index, fontsize=fontsize)
    ax.set_xlabel("feature")
    ax.set_ylabel("feature")
    ax.set_title(f"Spearman rank correlation between features ({rows_used:,} rows)")
    colorbar = figure.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("Spearman ρ (−1 … 1; grey = undefined)")
    return figure


def distributions_figure(
    X: pd.DataFrame,
    y: pd.Series,
    features: Sequence[str],
    heavy: Mapping[str, bool],
    descriptions: Mapping[str, str],
) -> Figure:
    """Per-class histograms of `features`, one panel each, as % of each class's rows.

    Heavy-tailed features get a symmetric-log x axis (linear near zero,
    logarithmic beyond) with bins of equal width on that axis; the axis label
    says which scale a panel uses.
    """
    columns = 3
    rows = math.ceil(len(features) / columns)
    figure = new_figure(15, 0.6 + 3.4 * rows)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, feature in zip(axes, features, strict=False):
        _class_histogram(ax, X[feature], y, heavy[feature])
        ax.set_title(_label(feature, descriptions, 48, wrap=True), fontsize=10)
    for ax in axes[len(features) :]:
        ax.set_visible(False)
    handles = [
        _legend_patch(CLASS_COLORS[label], CLASS_NAMES[label]) for label in sorted(CLASS_NAMES)
    ]
    figure.legend(handles=handles, loc="outside upper right", ncols=2)
    figure.suptitle(
        "Distributions by class (each class normalised to 100 %; "
        "missing and infinite values left out)"
    )
    return figure


def time_figure(table: pd.DataFrame, period_name: str) -> Figure:
    """Rows per period (bars, left axis) and bankrupt rate per period (line, right axis)."""
    figure = new_figure(12, 4.5)
    ax = figure.add_subplot()
    ax.bar(table["period"], table["rows"], color="#C8C8C8", label="rows")
    ax.set_xlabel(period_name)
    if pd.api.types.is_integer_dtype(table["period"]):  # years: no "2002.5" ticks
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("rows per period (count)")
    rate_ax = ax.twinx()
    rate_ax.plot(
        table["period"],
        100 * table["bankrupt_rate"],
        color=CLASS_COLORS[1],
        marker="o",
        label="bankrupt rate",
    )
    rate_ax.set_ylabel("bankrupt rate (%)", color=CLASS_COLORS[1])
    rate_ax.set_ylim(0, max(100 * table["bankrupt_rate"].max() * 1.15, 1))
    ax.set_title(f"Bankrupt rate per {period_name}")
    figure.legend(loc="outside upper right", ncols=2)
    return figure


def _class_histogram(ax, values: pd.Series, y: pd.Series, heavy: bool) -> None:
    """Draw step histograms of `values` for each class on `ax` (see `distributions_figure`)."""
    finite = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    data, labels = values.to_numpy(dtype=float, na_value=np.nan)[finite], y.to_numpy()[finite]
    if data.size == 0:
        ax.text(0.5, 0.5, "no finite values", ha="center", va="center", transform=ax.transAxes)
        return
    low, high = (
        (data.min(), data.max())
        if data.min() < data.max()
        else (data.min() - 0.5, data.max() + 0.5)
    )
    if heavy:
        linthresh = _linear_threshold(data)
        transform = SymmetricalLogTransform(10, linthresh, 1)
        edges = transform.inverted().transform(
            np.linspace(*transform.transform(np.array([low, high])), 41)
        )
        ax.set_xscale("symlog", linthresh=linthresh)
        # Every decade labelled on both sides of zero would overlap in a 5-inch panel.
        ax.xaxis.get_major_locator().set_params(numticks=7)
        ax.set_xlabel(f"value, symlog axis (linear within ±{linthresh:g}, log10 beyond)")
    else:
        edges = np.linspace(low, high, 41)
        ax.set_xlabel("value, linear axis")
    for label in sorted(CLASS_NAMES):
        part = data[labels == label]
        if part.size:
            weights = np.full(part.size, 100 / part.size)
            ax.hist(
                part,
                bins=edges,
                weights=weights,
                histtype="stepfilled",
                alpha=0.35,
                color=CLASS_COLORS[label],
            )
            ax.hist(part, bins=edges, weights=weights, histtype="step", color=CLASS_COLORS[label])
    ax.set_ylabel("% of class rows per bin")


def _linear_threshold(data: np.ndarray) -> float:
    """Power of ten just below the 10th percentile of the non-zero magnitudes."""
    magnitudes = np.abs(data[data != 0])
    if magnitudes.size == 0:
        return 1.0
    return float(10 ** math.floor(math.log10(np.quantile(magnitudes, 0.1))))


def _overall_rate_line(ax, overall_rate: float, rates: pd.Series) -> None:
    """Dashed reference line at the all-rows bankrupt rate, kept clear of the right edge."""
    ax.axvline(100 * overall_rate, color="black", linestyle="--", linewidth=1, label="all rows")
    ax.set_xlim(0, 110 * max(overall_rate, float(np.nanmax(rates))))


def _paired_barh(ax, names, series: Mapping[str, pd.Series], colors: Sequence[str]) -> list:
    """Horizontal bars of each series side by side per name; returns their containers."""
    positions = np.arange(len(names))
    height = 0.4
    containers = [
        ax.barh(
            positions + (0.5 - offset) * height, values, height=height, color=color, label=label
        )
        for offset, ((label, values), color) in enumerate(zip(series.items(), colors, strict=True))
    ]
    ax.set_yticks(positions, names)
    return containers


def _label(feature: str, descriptions: Mapping[str, str], width: int, wrap: bool = False) -> str:
    """`feature` followed by its meaning, shortened to about `width` characters."""
    meaning = descriptions.get(feature)
    if not meaning:
        return feature
    if wrap:
        lines = textwrap.wrap(f"{feature}: {meaning}", width)
        return "\n".join(lines[:2]) + (" …" if len(lines) > 2 else "")
    return f"{feature} ({textwrap.shorten(meaning, width, placeholder=' …')})"


def _side(direction: str) -> str:
    """The comparison sign of the raw AUC for a direction label."""
    return ">" if direction.startswith("higher") else "<"


def _legend_patch(color: str, label: str) -> Patch:
    """A filled legend entry."""
    return Patch(facecolor=color, alpha=0.6, edgecolor=color, label=label)


def _diverging_cmap():
    """Red-blue colour map with grey for undefined (NaN) cells."""
    return colormaps["RdBu_r"].with_extremes(bad="#BBBBBB")
