"""The monitor report as one self-contained HTML page.

Sections, figures and tables go through the exploratory-analysis report's renderer
(`bankruptcy.eda.render`): PNGs inlined as base64, inline style sheet, no external
asset, so the page opens from disk and can be attached to a ticket or a W&B run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.core.figures import save_png
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.monitoring import plots
from bankruptcy.monitoring.horizons import horizon_lines
from bankruptcy.monitoring.window import log_line

TITLE = "Model monitoring report"


def shown_columns(report: dict, top: int) -> list[str]:
    """Drifted columns first (most significant first), then the largest KS/chi2 evidence."""
    tested = [(name, c) for name, c in report["columns"].items() if c["status"] == "tested"]
    ranked = sorted(tested, key=lambda item: (not item[1]["drift"], item[1]["pvalue"]))
    return [name for name, _ in ranked[:top]]


def write_html(
    report: dict,
    path: str | Path,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    reference_scores,
    current_scores,
    top: int = 9,
) -> Path:
    """Write `report` (from `monitor`) with its figures as a self-contained HTML page.

    Parameters
    ----------
    report : dict
        What `monitor` returned for these inputs.
    path : str or Path
        The HTML file; its PNGs go to ``<stem>_figures/`` beside it.
    reference, current : pandas.DataFrame
        The frames given to `monitor` (the figures need the values).
    reference_scores, current_scores : array-like
        The scores given to `monitor`.
    top : int
        Columns drawn (drifted first).

    Returns
    -------
    Path
        The HTML file.
    """
    # the renderer's module loads matplotlib: only when a page is written
    from bankruptcy.eda.render import write_report
    from bankruptcy.eda.sections import FigureFile, Section, Table

    path = Path(path)
    figure_dir = path.parent / f"{path.stem}_figures"

    def saved(key: str, figure, caption: str) -> list[FigureFile]:
        if figure is None:
            return []
        return [FigureFile(key, save_png(figure, figure_dir / f"{key}.png"), caption)]

    drift, scores, quality = report["drift"], report["scores"], report["quality"]
    table = pd.DataFrame.from_dict(report["columns"], orient="index").rename_axis("column")
    table = table.reset_index().replace({None: np.nan})
    columns = shown_columns(report, top)
    univariate_alpha = drift["univariate"]["alpha"]
    sections = [
        Section(
            "summary",
            "Summary",
            _summary_lines(report),
            tables=[Table("summary", "Key figures", _key_figures(report))],
        ),
        Section(
            "feature-drift",
            "Feature drift",
            [drift["rule"] + ".", _multivariate_line(drift.get("multivariate"))],
            figures=saved(
                "features",
                plots.features_figure(reference, current, columns, report["columns"]),
                "Reference vs current per column (drifted first, then the strongest evidence).",
            )
            + saved(
                "tests",
                plots.tests_figure(table, univariate_alpha),
                "Holm-adjusted p-values (left) and effect sizes (right) per column.",
            ),
            tables=[Table("columns", "Every column", table, collapsed=True)],
        ),
        Section(
            "scores",
            "Score drift",
            [
                f"KS p-value {scores['ks_pvalue']:.3g}, PSI {scores['psi']:.3f}; share at or "
                f"above the threshold {scores['share_above_threshold']['reference']:.2%} in "
                f"the reference vs {scores['share_above_threshold']['current']:.2%} now "
                f"(Fisher p = {scores['share_above_threshold']['pvalue']:.3g})."
            ],
            figures=saved(
                "scores",
                plots.scores_figure(
                    np.asarray(reference_scores, dtype=float),
                    np.asarray(current_scores, dtype=float),
                    scores["threshold"],
                    ScoreKind(scores["kind"]),
                ),
                "Score distributions with the decision threshold.",
            ),
        ),
        Section(
            "quality",
            "Data quality",
            [
                f"Rows rejected by the input contract: {quality['rows_rejected']:,}. "
                f"Missingness changed: {quality['missingness_changed'] or 'none'}. "
                f"Values beyond the reference range more often than chance: "
                f"{quality['out_of_range'] or 'none'}. All missing now: "
                f"{quality['all_missing'] or 'none'}."
            ],
            tables=[Table("quality", "Columns with a quality finding", _quality_rows(table))],
        ),
        Section(
            "performance",
            "Performance",
            performance_lines(report["performance"]),
            figures=saved(
                "performance",
                plots.performance_figure(report["performance"]),
                "Metrics with intervals: the label-free estimate on the reference (test) "
                "rows and on the window, the realized metrics of both when labels are known. "
                "Each window view is judged against the same view of the reference rows.",
            ),
        ),
    ]
    header = [
        f"{report['n_rows']:,} current rows vs {report['n_reference_rows']:,} reference rows "
        f"and {report['n_reference_scores']:,} reference scores",
        f"Ignored columns (not model inputs): {report['columns_ignored'] or 'none'}",
    ]
    if report.get("log"):
        header.append(log_line(report["log"]).capitalize() + ".")
    return write_report(path, TITLE, header, sections)


def _summary_lines(report: dict) -> list[str]:
    drift = report["drift"]
    verdict = "DRIFT" if drift["dataset"] else "no drift"
    lines = [
        f"Dataset: {verdict}. Drifted columns: {', '.join(drift['columns']) or 'none'}.",
        _multivariate_line(drift.get("multivariate")),
    ]
    performance = performance_lines(report["performance"])
    return lines + [performance[0], *(line for line in performance if " verdict: " in line)]


def _multivariate_line(mv: dict | None) -> str:
    if mv is None:
        return "Multivariate test not run."
    return (
        f"Domain classifier: held-out ROC-AUC {mv['roc_auc']:.3f} (0.5 = current rows "
        f"indistinguishable), p = {mv['pvalue']:.3g} against alpha {mv['alpha']:.3g}: "
        + ("drift." if mv["drift"] else "no drift.")
    )


#: What each performance view is judged against.
AGAINST = {
    "estimated": "the same estimate on the reference rows",
    "realized": "the reference rows' realized value",
}


def performance_lines(performance: dict) -> list[str]:
    """The estimated and realized ROC-AUC against their references, each view's verdict (and
    realized calibration) in words."""
    lines = []
    for name, against in AGAINST.items():
        part = performance.get(name)
        if part is None:
            continue
        if part["status"] != "ok":
            lines.append(f"{name.capitalize()} performance: {part['status']}.")
            continue
        auc = part["metrics"].get("roc_auc", {})
        text = f"{name.capitalize()} ROC-AUC {_num(auc.get('value'))} "
        text += f"[{_num(auc.get('low'))}, {_num(auc.get('high'))}]"
        if "reference" in auc:
            text += f" vs {against} {_num(auc['reference'])}: difference "
            text += f"{_signed(auc['difference'])} " + _difference_range(auc)
            text += f", {auc['change']}"
        lines.append(text + ".")
        if "verdict" in part:
            lines.append(_verdict_line(name, part))
        if "calibration" in part:
            lines.append(_calibration_line(part["calibration"]))
    lines += horizon_lines(performance)
    return lines or ["No performance figures."]


def _difference_range(figures: dict) -> str:
    """The difference's interval (realized) or the range of differences without change
    (estimated), in brackets."""
    if "no_change_low" in figures:
        low, high, label = figures["no_change_low"], figures["no_change_high"], "no change: "
    else:
        low, high, label = figures["difference_low"], figures["difference_high"], ""
    return f"[{label}{_signed(low)}, {_signed(high)}]"


def _verdict_line(name: str, part: dict) -> str:
    """ "<view> verdict: worse: metric value vs reference, ... (better: ...)" and the
    intervals' coverage."""
    moved = {"worse": [], "better": []}
    for metric, figures in part["metrics"].items():
        if figures.get("change") in moved:
            moved[figures["change"]].append(
                f"{metric} {_num(figures['value'])} vs {_num(figures['reference'])}"
            )
    view = "Label-free" if name == "estimated" else "Realized"
    text = f"{view} verdict: {part['verdict']}"
    if moved["worse"]:
        text += ": " + ", ".join(moved["worse"])
    if moved["better"]:
        better = ", ".join(moved["better"])
        text += f" (better: {better})" if moved["worse"] else f": {better}"
    compared = sum("change" in figures for figures in part["metrics"].values())
    return (
        f"{text}; intervals at {part['comparison_confidence']:.2%} per metric, "
        f"{part['confidence']:.0%} over the {compared}."
    )


def _calibration_line(c: dict) -> str:
    return (
        f"Realized calibration: mean PD {_num(c['mean_pd'], 4)} vs observed rate "
        f"{_num(c['observed_rate'], 4)} [{_num(c['observed_rate_ci_low'], 4)}, "
        f"{_num(c['observed_rate_ci_high'], 4)}], slope {_num(c['calibration_slope'])}, "
        f"goodness-of-fit p = {_num(c['calibration_pvalue'])}."
    )


def _num(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _signed(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def _key_figures(report: dict) -> pd.DataFrame:
    drift, scores = report["drift"], report["scores"]
    mv = drift.get("multivariate") or {}
    rows = [
        ("dataset drift", drift["dataset"]),
        ("drifted columns", len(drift["columns"])),
        ("columns tested", drift["univariate"]["n_tested"]),
        ("domain classifier ROC-AUC", mv.get("roc_auc", np.nan)),
        ("score PSI", scores["psi"]),
        ("score KS p-value", scores["ks_pvalue"]),
        ("rows rejected", report["quality"]["rows_rejected"]),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"]).astype({"value": object})


def _quality_rows(table: pd.DataFrame) -> pd.DataFrame:
    flagged = table["missing_changed"].astype(bool) | table["out_of_range"].astype(bool)
    keep = [
        "column",
        "missing_reference",
        "missing_current",
        "missing_pvalue_adjusted",
        "out_of_range_share",
        "out_of_range_pvalue_adjusted",
    ]
    return table.loc[flagged, keep]
