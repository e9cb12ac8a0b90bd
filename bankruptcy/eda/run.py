"""Hydra-free driver of the exploratory analysis: sections -> HTML report -> tracker."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from tqdm import tqdm

from bankruptcy.data.dataset import Dataset
from bankruptcy.eda import sections
from bankruptcy.eda.render import header_lines, write_report

REPORT_NAME = "eda_report.html"


def section_builders(
    *,
    top_features: int,
    top_bars: int,
    top_pairs: int,
    max_rows_for_pairs: int,
    heavy_tail_ratio: float,
    outlier_iqr_factor: float,
    seed: int,
) -> list[Callable[[Dataset, Path], sections.Section]]:
    """The report's sections in reading order, each bound to its options.

    Parameters
    ----------
    top_features : int
        Features shown in the distribution grid (highest univariate AUC first).
    top_bars : int
        Most bars in one bar chart (missing values, outliers, univariate AUC).
    top_pairs : int
        Most correlated pairs listed.
    max_rows_for_pairs : int
        Rows sampled (with `seed`) for the correlation matrix.
    heavy_tail_ratio : float
        Range / IQR above which a feature counts as heavy-tailed (symlog axis).
    outlier_iqr_factor : float
        Outlier fences at Q1 - factor * IQR and Q3 + factor * IQR.
    seed : int
        Seed of the correlation subsample.
    """
    return [
        sections.class_balance_section,
        partial(sections.missing_section, top_bars=top_bars),
        partial(
            sections.distributions_section,
            top_features=top_features,
            heavy_tail_ratio=heavy_tail_ratio,
        ),
        partial(
            sections.outliers_section,
            top_bars=top_bars,
            outlier_iqr_factor=outlier_iqr_factor,
            heavy_tail_ratio=heavy_tail_ratio,
        ),
        partial(
            sections.correlation_section,
            top_pairs=top_pairs,
            max_rows_for_pairs=max_rows_for_pairs,
            seed=seed,
        ),
        partial(sections.auc_section, top_bars=top_bars),
        sections.duplicates_section,
        sections.time_section,
    ]


def run_eda(dataset: Dataset, output_dir: Path, tracker, **options) -> Path:
    """Write the EDA report of `dataset` under `output_dir` and log it to `tracker`.

    Parameters
    ----------
    dataset : Dataset
        The data to describe.
    output_dir : Path
        Receives ``eda_report.html`` and ``figures/*.png``.
    tracker : Tracker
        A started tracker (``job_type="eda"``): gets every figure as
        ``plots/<key>``, every table as ``tables/<key>``, the headline numbers
        as summary ``eda/<name>`` and the HTML file.
    **options
        Keyword arguments of `section_builders` (the ``eda`` block of
        ``conf/eda.yaml``).

    Returns
    -------
    Path
        The HTML report.
    """
    output_dir = Path(output_dir)
    builders = section_builders(**options)
    done = [
        build(dataset, output_dir / "figures")
        for build in tqdm(builders, desc=f"EDA {dataset.name}", unit="section")
    ]
    report = write_report(
        output_dir / REPORT_NAME,
        f"Exploratory analysis: {dataset.name}",
        header_lines(dataset.summary(), dataset.source, options),
        done,
    )
    log_sections(tracker, done)
    tracker.log_file(report)
    return report


def log_sections(tracker, done: list[sections.Section]) -> None:
    """Send every figure, table and headline number of `done` to `tracker`."""
    summary = {}
    for section in done:
        for figure in section.figures:
            tracker.log_image(f"plots/{figure.key}", figure.path, caption=figure.caption)
        for table in section.tables:
            tracker.log_table(f"tables/{table.key}", table.frame)
        summary.update({f"eda/{key}": value for key, value in section.metrics.items()})
    tracker.log_summary(summary)
