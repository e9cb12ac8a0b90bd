"""Native W&B charts of one job: the data of the evaluation figures as small tables.

Each chart is a table plus the W&B preset that draws it, the presets ``wandb.plot`` itself
uses (``roc_curve``/``pr_curve``: area-under-curve, ``line``, ``confusion_matrix``). The
tables are ours rather than ``wandb.plot``'s because those take every scored row: its ROC
and PR tables keep each distinct threshold (then drop random rows past 10,000), and the
confusion matrix counts row by row in Python. Here every curve has at most `MAX_POINTS`
points, picked along the curve (`along_curve`) so that its shape survives.

A W&B panel over a key draws that table from every run it shows, coloured by run, so the
curves of a sweep's jobs overlay; within one run, the ``class``/``metric`` columns tell the
curves apart (the area-under-curve preset groups by a column named ``class`` literally).

Built Hydra-free from the same `EvaluationData` as the figures; no W&B import here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from bankruptcy.core.artifacts import Chart
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.pd_validation import reliability_curve
from bankruptcy.evaluation.plots import Curve, EvaluationData, score_bins, shown_scores
from bankruptcy.evaluation.threshold import threshold_table

#: Most points of one curve (per fold, per class, per metric).
MAX_POINTS = 200

#: W&B presets (ids of Vega-Lite specs W&B hosts), as used by the ``wandb.plot`` functions.
AREA_UNDER_CURVE = "wandb/area-under-curve/v0"
LINE = "wandb/line/v0"
CONFUSION = "wandb/confusion_matrix/v1"

CLASS_NAMES = ("operating", "bankrupt")


def along_curve(points: np.ndarray, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most `limit` rows of `points` spread evenly along the curve they trace.

    Each column is scaled to [0, 1]; rows are picked at equal steps of the path length
    through all columns, so points crowd where the curve bends and thin out where it runs
    straight, and the first and last rows are always kept.

    Parameters
    ----------
    points : array of shape (n, d)
        The curve's points in drawing order.
    limit : int
        Most indices returned (at least 2).

    Returns
    -------
    numpy.ndarray
        Increasing row indices.
    """
    points = np.asarray(points, dtype=float)
    n = len(points)
    if n <= limit:
        return np.arange(n)
    span = np.ptp(points, axis=0)
    scaled = (points - points.min(axis=0)) / np.where(span > 0, span, 1)
    length = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(scaled, axis=0), axis=1))])
    picked = np.searchsorted(length, np.linspace(0, length[-1], limit - 1))
    return np.unique(np.concatenate([picked, [n - 1]]))


def _above(scores) -> float:
    """A threshold just above every score: nobody flagged."""
    return float(np.nextafter(np.max(scores), np.inf))


def roc_points(y, scores, limit: int = MAX_POINTS) -> pd.DataFrame:
    """``fpr``, ``tpr`` and ``threshold`` of at most `limit` points of one ROC curve."""
    fpr, tpr, threshold = roc_curve(y, scores)
    threshold[0] = _above(scores)  # scikit-learn's "flag nobody" point is at +inf
    keep = along_curve(np.column_stack([fpr, tpr]), limit)
    return pd.DataFrame({"fpr": fpr[keep], "tpr": tpr[keep], "threshold": threshold[keep]})


def pr_points(y, scores, limit: int = MAX_POINTS) -> pd.DataFrame:
    """``recall``, ``precision`` and ``threshold`` of at most `limit` points of a PR curve."""
    precision, recall, threshold = precision_recall_curve(y, scores, drop_intermediate=True)
    threshold = np.append(threshold, _above(scores))  # the last point (recall 0) has none
    keep = along_curve(np.column_stack([recall, precision]), limit)
    return pd.DataFrame(
        {"recall": recall[keep], "precision": precision[keep], "threshold": threshold[keep]}
    )


def _curves(points: Callable, curves: Mapping[str, Curve], limit: int) -> pd.DataFrame:
    """Points of each named curve, stacked, with the name in a ``class`` column."""
    parts = [points(y, s, limit).assign(**{"class": name}) for name, (y, s) in curves.items()]
    frame = pd.concat(parts, ignore_index=True)
    return frame[["class", *frame.columns[:-1]]]


#: Curve kind -> how its points are computed and named: x column, y column, their titles.
CURVES = {
    "roc": (
        roc_points,
        ("fpr", "False-positive rate (operating companies flagged)"),
        ("tpr", "True-positive rate = recall (bankruptcies caught)"),
    ),
    "pr": (
        pr_points,
        ("recall", "Recall (bankruptcies caught)"),
        ("precision", "Precision (flagged companies that went bankrupt)"),
    ),
}


def curve_chart(
    kind: str, curves: Mapping[str, Curve], title: str, limit: int = MAX_POINTS
) -> Chart:
    """ROC or PR curves (`kind`: a key of `CURVES`), one per entry of `curves`, drawn like
    ``wandb.plot.roc_curve`` and ``wandb.plot.pr_curve``."""
    points, (x, x_title), (y, y_title) = CURVES[kind]
    return Chart(
        _curves(points, curves, limit),
        AREA_UNDER_CURVE,
        {"x": x, "y": y, "class": "class"},
        {"title": title, "x-axis-title": x_title, "y-axis-title": y_title},
    )


def confusion_chart(y, flagged, threshold: float) -> Chart:
    """The four counts of the confusion matrix, drawn like ``wandb.plot.confusion_matrix``."""
    y, flagged = np.asarray(y).astype(int), np.asarray(flagged).astype(int)
    rows = [
        (CLASS_NAMES[t], CLASS_NAMES[p], int(np.sum((y == t) & (flagged == p))))
        for t in (0, 1)
        for p in (0, 1)
    ]
    return Chart(
        pd.DataFrame(rows, columns=["Actual", "Predicted", "nPredictions"]),
        CONFUSION,
        {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
        {"title": f"Test confusion matrix at threshold {threshold:.4g}"},
    )


def _line(table: pd.DataFrame, x: str, y: str, stroke: str | None, title: str) -> Chart:
    """A chart drawn like ``wandb.plot.line``."""
    return Chart(table, LINE, {"x": x, "y": y, "stroke": stroke}, {"title": title})


def calibration_chart(y, proba, n_bins: int = 10) -> Chart:
    """Observed bankruptcy rate (with its 95 % interval: the ``observed_low`` and
    ``observed_high`` lines) against mean predicted probability, per non-empty bin."""
    curve = pd.DataFrame(reliability_curve(y, proba, n_bins=n_bins))
    long = curve.melt(
        id_vars=["predicted", "count"],
        value_vars=["observed", "observed_low", "observed_high"],
        var_name="line",
        value_name="rate",
    )
    title = f"Calibration of the test PDs ({n_bins} equal-width bins, 95 % intervals)"
    return _line(long, "predicted", "rate", "line", title)


def score_chart(y, scores, kind: ScoreKind) -> Chart:
    """Share of each class's test companies per score bin (the figure's bins)."""
    y, shown = np.asarray(y).astype(int), shown_scores(scores, kind)
    edges = score_bins(shown, kind)
    centres = (edges[:-1] + edges[1:]) / 2
    parts = []
    for cls, name in enumerate(CLASS_NAMES):
        counts, _ = np.histogram(shown[y == cls], bins=edges)
        share = counts / max(counts.sum(), 1)
        parts.append(pd.DataFrame({"class": name, "score": centres, "share": share}))
    title = f"Test score distribution by class ({kind.axis_label})"
    return _line(pd.concat(parts, ignore_index=True), "score", "share", "class", title)


def threshold_chart(y, scores, limit: int = MAX_POINTS) -> Chart:
    """Precision, recall, F1 and share flagged against the threshold (out-of-fold scores)."""
    t = {k: v[1:] for k, v in threshold_table(y, scores).items()}  # as the figure: no "no-one"
    flagged = t["tp"] + t["fp"]
    values = {
        "precision": t["tp"] / np.maximum(flagged, 1),
        "recall": t["tp"] / (t["tp"] + t["fn"]),
        "F1": 2 * t["tp"] / (2 * t["tp"] + t["fp"] + t["fn"]),
        "share flagged": flagged / len(y),
    }
    keep = along_curve(np.column_stack([t["threshold"], *values.values()]), limit)
    table = pd.DataFrame({"threshold": t["threshold"][keep]})
    table = table.assign(**{name: v[keep] for name, v in values.items()})
    long = table.melt(id_vars="threshold", var_name="metric", value_name="value")
    title = "Metrics vs threshold (out-of-fold training scores)"
    return _line(long, "threshold", "value", "metric", title)


def _curve_charts(kind: str, title: str, d: EvaluationData) -> dict[str, Chart]:
    """``<kind>_test`` (the test curve) and ``<kind>_cv`` (a curve per CV fold)."""
    folds = {f"fold {i}": curve for i, curve in enumerate(d.folds)}
    return {
        f"{kind}_test": curve_chart(kind, {"test": d.test}, f"{title}, test set"),
        f"{kind}_cv": curve_chart(kind, folds, f"{title}s of the CV folds"),
    }


def _calibration(d: EvaluationData) -> dict[str, Chart]:
    if d.score_kind is not ScoreKind.PROBA:
        return {}  # decision scores are not probabilities: nothing to calibrate against
    return {"calibration": calibration_chart(*d.test)}


#: Figure kind (``plots.kinds``) -> the charts that show its data, by name.
CHARTS: dict[str, Callable[[EvaluationData], dict[str, Chart]]] = {
    "roc": lambda d: _curve_charts("roc", "ROC curve", d),
    "pr": lambda d: _curve_charts("pr", "Precision-recall curve", d),
    "confusion": lambda d: {
        "confusion": confusion_chart(d.test[0], np.asarray(d.test[1]) >= d.threshold, d.threshold)
    },
    "calibration": _calibration,
    "scores": lambda d: {"scores": score_chart(*d.test, d.score_kind)},
    "threshold": lambda d: {"threshold": threshold_chart(*d.oof)},
}


def make_charts(kinds: Sequence[str], data: EvaluationData) -> dict[str, Chart]:
    """The charts of the figure `kinds` that apply to `data`, by name."""
    charts: dict[str, Chart] = {}
    for kind in kinds:
        charts.update(CHARTS[kind](data))
    return charts
