"""The sections of the exploratory-analysis report: numbers, figures and words.

Each ``*_section`` function turns a `Dataset` into one `Section`: it calls
`stats` for the tables, `plots` for the figures (saved as PNG under
`figure_dir`) and writes a short plain-text reading of the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bankruptcy.core.figures import save_png
from bankruptcy.data.dataset import Dataset
from bankruptcy.eda import plots, stats


@dataclass
class FigureFile:
    """A saved figure: tracker key, PNG path and caption."""

    key: str
    path: Path
    caption: str


@dataclass
class Table:
    """A table of the report; `collapsed` tables are folded away in the HTML."""

    key: str
    caption: str
    frame: pd.DataFrame
    collapsed: bool = False


@dataclass
class Section:
    """One report section; `id` is its HTML anchor and `metrics` go to the run summary."""

    id: str
    title: str
    paragraphs: list[str]
    figures: list[FigureFile] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def class_balance_section(dataset: Dataset, figure_dir: Path) -> Section:
    """Rows per class."""
    table = stats.class_balance(dataset.y)
    rate = float(table["share"].iloc[1])
    figure = _save(plots.class_balance_figure(table), figure_dir, "class_balance")
    return Section(
        id="class-balance",
        title="Class balance",
        paragraphs=[
            f"{dataset.summary()}. With {rate:.2%} positives, accuracy is uninformative "
            "(predicting 'operating' for everyone scores "
            f"{1 - rate:.2%}); read PR-AUC, recall and F1 on the bankrupt class."
        ],
        figures=[FigureFile("class_balance", figure, "Rows per class (count and share).")],
        tables=[Table("class_balance", "Rows per class", table)],
        metrics={
            "rows": len(dataset.y),
            "features": dataset.X.shape[1],
            "bankrupt_rate": rate,
        },
    )


def missing_section(dataset: Dataset, figure_dir: Path, top_bars: int) -> Section:
    """Missing values per feature and their relation to the label."""
    X, y = dataset.X, dataset.y
    table = stats.missing_values(X, y)
    rows = stats.incomplete_rows(X, y)
    cells = int(X.isna().sum().sum())
    metrics = {"missing_cells": cells, "rows_with_missing": int(rows["rows"].iloc[1])}
    if table.empty:
        return Section("missing-values", "Missing values", ["No cell is missing."], metrics=metrics)
    complete, incomplete = rows["bankrupt_rate"]
    n_incomplete = int(rows["rows"].iloc[1])
    gap = table["bankrupt_rate_missing"] - table["bankrupt_rate_present"]
    telling = table.loc[gap.abs().idxmax()]
    paragraphs = [
        f"{cells:,} cells are missing ({cells / X.size:.2%} of all cells) in {len(table)} of "
        f"{X.shape[1]} features; {n_incomplete:,} rows ({n_incomplete / len(X):.1%}) "
        f"have at least one. Bankrupt rate: {incomplete:.2%} among rows with a missing cell, "
        f"{complete:.2%} among complete rows.",
        f"Missingness that tells most about the label: {telling['feature']} "
        f"(bankrupt rate {telling['bankrupt_rate_missing']:.2%} where missing vs "
        f"{telling['bankrupt_rate_present']:.2%} where present). Such a gap means 'missing' is "
        "itself a signal; an imputer that hides it loses information.",
    ]
    figure = plots.missing_figure(table, float(y.mean()), top_bars)
    return Section(
        id="missing-values",
        title="Missing values",
        paragraphs=paragraphs,
        figures=[
            FigureFile(
                "missing_values",
                _save(figure, figure_dir, "missing_values"),
                "Left: share of rows missing each feature. Right: bankrupt rate among rows "
                "where the feature is missing vs present; dashed line = all rows.",
            )
        ],
        tables=[
            Table("incomplete_rows", "Rows with and without a missing cell", rows),
            Table(
                "missing_values",
                f"All {len(table)} features with missing values",
                _with_meaning(table, dataset.descriptions),
                collapsed=len(table) > 15,
            ),
        ],
        metrics=metrics,
    )


def distributions_section(
    dataset: Dataset, figure_dir: Path, top_features: int, heavy_tail_ratio: float
) -> Section:
    """Per-class histograms of the features with the highest univariate AUC."""
    ranking = stats.univariate_auc(dataset.X, dataset.y).dropna(subset=["auc"])
    features = list(ranking["feature"].head(top_features))
    heavy = {f: stats.is_heavy_tailed(dataset.X[f], heavy_tail_ratio) for f in features}
    figure = plots.distributions_figure(dataset.X, dataset.y, features, heavy, dataset.descriptions)
    n_heavy = sum(heavy.values())
    return Section(
        id="distributions",
        title="Distributions by class",
        paragraphs=[
            f"The {len(features)} features with the highest univariate ROC-AUC, one histogram "
            "per class, each class normalised to 100 % so the rare bankrupt class stays visible.",
            f"{n_heavy} of them are heavy-tailed (range wider than {heavy_tail_ratio:g} "
            "interquartile ranges) and are drawn on a symmetric-log axis: linear within "
            "± the threshold in the axis label, logarithmic beyond, with equal-width bins on "
            "that axis. A linear axis would put nearly all rows in one bar.",
        ],
        figures=[
            FigureFile(
                "distributions",
                _save(figure, figure_dir, "distributions"),
                "Per-class histograms (% of the class's rows per bin); the x-axis label of each "
                "panel names its scale.",
            )
        ],
        metrics={"heavy_tailed_shown": n_heavy},
    )


def outliers_section(
    dataset: Dataset,
    figure_dir: Path,
    top_bars: int,
    outlier_iqr_factor: float,
    heavy_tail_ratio: float,
) -> Section:
    """Tukey outliers, extremes and heavy tails per feature."""
    table = stats.outlier_summary(dataset.X, dataset.y, outlier_iqr_factor, heavy_tail_ratio)
    n_heavy = int(table["heavy_tailed"].sum())
    widest = table.loc[(table["max"] - table["min"]).idxmax()]
    paragraphs = [
        f"An outlier is a value beyond Q1 − {outlier_iqr_factor:g}·IQR or Q3 + "
        f"{outlier_iqr_factor:g}·IQR of its feature. {int((table['outliers'] > 0).sum())} of "
        f"{len(table)} features have outliers; {n_heavy} are heavy-tailed (range wider than "
        f"{heavy_tail_ratio:g} IQRs). Widest range: {widest['feature']} from "
        f"{widest['min']:.4g} to {widest['max']:.4g}.",
        "Scale-sensitive models (logistic regression, SVM, MLP) need robust scaling, "
        "clipping or a log transform of such features; tree ensembles do not.",
    ]
    figures = []
    if (table["outliers"] > 0).any():
        figure = plots.outliers_figure(table, float(dataset.y.mean()), outlier_iqr_factor, top_bars)
        figures.append(
            FigureFile(
                "outliers",
                _save(figure, figure_dir, "outliers"),
                "Left: share of non-missing rows that are outliers (* = heavy-tailed). "
                "Right: bankrupt rate among those rows; dashed line = all rows.",
            )
        )
    return Section(
        id="outliers",
        title="Outliers and heavy tails",
        paragraphs=paragraphs,
        figures=figures,
        tables=[
            Table(
                "outliers",
                f"Quartiles, extremes and outliers of all {len(table)} features",
                _with_meaning(table, dataset.descriptions),
                collapsed=len(table) > 15,
            )
        ],
        metrics={"heavy_tailed_features": n_heavy},
    )


def correlation_section(
    dataset: Dataset, figure_dir: Path, top_pairs: int, max_rows_for_pairs: int, seed: int
) -> Section:
    """Spearman correlation heat map and the most correlated pairs."""
    corr = stats.rank_correlation(dataset.X, max_rows_for_pairs, seed)
    rows_used = min(len(dataset.X), max_rows_for_pairs)
    pairs = stats.top_correlated_pairs(corr, top_pairs)
    all_pairs = stats.top_correlated_pairs(corr, corr.size)
    near_copies = int((all_pairs["rho"].abs() >= 0.95).sum())
    sampled = (
        f" (a random sample of {rows_used:,} of {len(dataset.X):,} rows, seed {seed})"
        if rows_used < len(dataset.X)
        else ""
    )
    if dataset.descriptions:
        pairs.insert(1, "meaning_a", pairs["feature_a"].map(dataset.descriptions).fillna(""))
        pairs.insert(3, "meaning_b", pairs["feature_b"].map(dataset.descriptions).fillna(""))
    return Section(
        id="correlation",
        title="Correlation",
        paragraphs=[
            f"Spearman rank correlation{sampled}: each feature ranked over its non-missing "
            "rows, each pair correlated on the rows where both are present. Ranks keep a few "
            "extreme values from deciding the result. "
            f"{near_copies} feature pairs have |ρ| ≥ 0.95: near-copies that make linear "
            "coefficients unstable and split importance between them.",
        ],
        figures=[
            FigureFile(
                "correlation",
                _save(plots.correlation_figure(corr, rows_used), figure_dir, "correlation"),
                "Spearman ρ between every pair of features; red = positive, blue = negative.",
            )
        ],
        tables=[Table("top_correlated_pairs", f"The {len(pairs)} most correlated pairs", pairs)],
        metrics={"pairs_rho_ge_0_95": near_copies},
    )


def auc_section(dataset: Dataset, figure_dir: Path, top_bars: int) -> Section:
    """Univariate ROC-AUC of every feature with its direction."""
    table = stats.univariate_auc(dataset.X, dataset.y)
    best = table.iloc[0]
    figure = plots.auc_figure(table, dataset.descriptions, top_bars)
    return Section(
        id="univariate-auc",
        title="Univariate ROC-AUC",
        paragraphs=[
            "ROC-AUC of each raw feature used alone as a score, on its non-missing rows. "
            "Reported as max(AUC, 1 − AUC) with the direction: 'lower = riskier' means small "
            "values point to bankruptcy (raw AUC below 0.5).",
            f"Strongest single feature: {best['feature']} with {best['auc']:.3f} "
            f"({best['direction']}). A model that does not beat this is not using the other "
            "features.",
        ],
        figures=[
            FigureFile(
                "univariate_auc",
                _save(figure, figure_dir, "univariate_auc"),
                "Univariate ROC-AUC per feature; colour = direction of risk.",
            )
        ],
        tables=[
            Table(
                "univariate_auc",
                f"Univariate ROC-AUC of all {len(table)} features",
                _with_meaning(table, dataset.descriptions),
                collapsed=len(table) > 15,
            )
        ],
        metrics={"best_univariate_auc": float(best["auc"])},
    )


def duplicates_section(dataset: Dataset, figure_dir: Path) -> Section:
    """Fully duplicated rows and duplicates whose labels disagree."""
    groups = stats.duplicate_groups(dataset.X, dataset.y)
    counts = stats.duplicate_counts(groups)
    paragraphs = [
        f"{counts['duplicate_rows']:,} rows repeat an earlier row in every feature "
        f"({counts['duplicate_groups']:,} groups of identical rows; missing counts as equal). "
        f"{counts['conflicting_groups']:,} of these groups ({counts['conflicting_rows']:,} rows) "
        "hold both labels, which no model can separate.",
        "Identical rows on both sides of a train/test split inflate test scores; "
        "deduplicate or keep each group on one side.",
    ]
    tables = [
        Table(
            "duplicates",
            "Duplicate counts",
            pd.DataFrame({"count": counts}).rename_axis("what").reset_index(),
        )
    ]
    if not groups.empty:
        tables.append(
            Table(
                "duplicate_groups",
                "Largest groups of identical rows (first_row = index of its first row)",
                groups.head(20),
            )
        )
    return Section(
        id="duplicates",
        title="Duplicates",
        paragraphs=paragraphs,
        tables=tables,
        metrics={k: v for k, v in counts.items() if k != "duplicate_groups"},
    )


def time_section(dataset: Dataset, figure_dir: Path) -> Section:
    """Bankrupt rate per time period, where the dataset has a time column."""
    if dataset.time is None:
        return Section(
            id="time",
            title="Bankrupt rate over time",
            paragraphs=[f"{dataset.name} has no time column, so no rate over time can be shown."],
        )
    table = stats.rate_over_time(dataset.time, dataset.y)
    name = dataset.time.name or "period"
    # Index by period so the row labels keep the period's own type (a row Series would upcast).
    rates = table.set_index("period")["bankrupt_rate"]
    low, high = rates.idxmin(), rates.idxmax()
    return Section(
        id="time",
        title="Bankrupt rate over time",
        paragraphs=[
            f"{len(table)} periods ({name} {table['period'].iloc[0]} to "
            f"{table['period'].iloc[-1]}). Bankrupt rate from {rates[low]:.2%} ({low}) to "
            f"{rates[high]:.2%} ({high}). A drifting "
            "rate calls for a temporal split: train on early periods, test on later ones.",
        ],
        figures=[
            FigureFile(
                "rate_over_time",
                _save(plots.time_figure(table, name), figure_dir, "rate_over_time"),
                f"Rows (bars) and bankrupt rate (line) per {name}.",
            )
        ],
        tables=[Table("rate_over_time", f"Rows and bankrupt rate per {name}", table)],
    )


def _save(figure, figure_dir: Path, key: str) -> Path:
    """Save `figure` as ``<figure_dir>/<key>.png``."""
    return save_png(figure, figure_dir / f"{key}.png")


def _with_meaning(table: pd.DataFrame, descriptions: Mapping[str, str]) -> pd.DataFrame:
    """`table` with a ``meaning`` column after ``feature`` when descriptions are known."""
    if not descriptions:
        return table
    table = table.copy()
    table.insert(1, "meaning", table["feature"].map(dict(descriptions)).fillna(""))
    return table
