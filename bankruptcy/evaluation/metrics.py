"""Metrics for the bankrupt class, computed from a model's scores.

Each metric says what it needs: ``score`` (any ranking score: probability or
decision function), ``label`` (0/1 decisions at the threshold) or ``proba``
(a calibrated-looking probability; models without one get NaN, with the fix
in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
from sklearn import metrics as skm

from bankruptcy.errors import UserError

log = logging.getLogger(__name__)

#: Score kinds and the score at which a model's own rule says "bankrupt".
DEFAULT_THRESHOLD = {"proba": 0.5, "decision": 0.0}


@dataclass(frozen=True)
class Metric:
    """A metric function ``fn(y_true, values)`` and the kind of values it needs."""

    fn: Callable[[np.ndarray, np.ndarray], float]
    needs: str  # "score" | "label" | "proba"


def g_mean(y_true, labels) -> float:
    """Geometric mean of recall on the bankrupt and on the operating class."""
    recall = skm.recall_score(y_true, labels, zero_division=0)
    specificity = skm.recall_score(y_true, labels, pos_label=0, zero_division=0)
    return float(np.sqrt(recall * specificity))


def type1_error(y_true, labels) -> float:
    """Share of bankrupt companies predicted healthy (missed bankruptcies, 1 - recall)."""
    return 1.0 - skm.recall_score(y_true, labels, zero_division=0)


def type2_error(y_true, labels) -> float:
    """Share of operating companies flagged bankrupt (false alarms, the false-positive rate)."""
    return 1.0 - skm.recall_score(y_true, labels, pos_label=0, zero_division=0)


def ks_statistic(y_true, scores) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the classes' score CDFs."""
    fpr, tpr, _ = skm.roc_curve(y_true, scores)
    return float(np.max(tpr - fpr))


def recall_at_fpr(y_true, scores, max_fpr: float) -> float:
    """Highest recall reachable while flagging at most `max_fpr` of operating companies."""
    fpr, tpr, _ = skm.roc_curve(y_true, scores, drop_intermediate=False)
    return float(np.max(tpr[fpr <= max_fpr + 1e-12]))


def precision_at_top(y_true, scores, fraction: float) -> float:
    """Share of bankrupt companies among the `fraction` highest scores (ties in row order)."""
    k = max(1, int(np.ceil(fraction * len(scores) - 1e-9)))
    top = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return float(np.mean(np.asarray(y_true)[top]))


METRICS: dict[str, Metric] = {
    "roc_auc": Metric(skm.roc_auc_score, "score"),
    "pr_auc": Metric(skm.average_precision_score, "score"),
    "f1": Metric(partial(skm.f1_score, zero_division=0), "label"),
    "precision": Metric(partial(skm.precision_score, zero_division=0), "label"),
    "recall": Metric(partial(skm.recall_score, zero_division=0), "label"),
    "accuracy": Metric(skm.accuracy_score, "label"),
    "balanced_accuracy": Metric(skm.balanced_accuracy_score, "label"),
    "mcc": Metric(skm.matthews_corrcoef, "label"),
    "brier": Metric(skm.brier_score_loss, "proba"),
    "log_loss": Metric(partial(skm.log_loss, labels=[0, 1]), "proba"),
    "g_mean": Metric(g_mean, "label"),
    "type1_error": Metric(type1_error, "label"),
    "type2_error": Metric(type2_error, "label"),
    "ks": Metric(ks_statistic, "score"),
    "recall_at_fpr5": Metric(partial(recall_at_fpr, max_fpr=0.05), "score"),
    "precision_at_top5": Metric(partial(precision_at_top, fraction=0.05), "score"),
}


def check_names(names: Iterable[str]) -> list[str]:
    """Return `names` as a list, or raise naming the unknown ones and the valid choices."""
    names = list(names)
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise UserError(
            f"unknown metric(s) {unknown} in metrics.names; choose from {sorted(METRICS)}"
        )
    return names


def positive_scores(model, X) -> tuple[np.ndarray, str]:
    """Score of the bankrupt class for each row of `X`, and its kind.

    Uses ``predict_proba`` where the model has it, else ``decision_function``
    (e.g. an SVM without Platt scaling), so ranking metrics never need the
    slow ``probability=True``.
    """
    classes = list(model.classes_)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, classes.index(1)], "proba"
    scores = model.decision_function(X)
    return (scores if classes[-1] == 1 else -scores), "decision"


def compute(
    names: Iterable[str], y_true, scores: np.ndarray, kind: str, threshold: float | None = None
) -> dict[str, float]:
    """Compute the named metrics.

    Parameters
    ----------
    names : iterable of str
        Metric names (keys of `METRICS`).
    y_true : array-like
        0/1 labels, 1 = bankrupt.
    scores : numpy.ndarray
        Score of the bankrupt class per row.
    kind : {"proba", "decision"}
        What `scores` are.
    threshold : float, optional
        Score at or above which a row counts as bankrupt; default the model's
        own rule (0.5 for probabilities, 0 for decision functions).
    """
    y_true = np.asarray(y_true)
    cut = DEFAULT_THRESHOLD[kind] if threshold is None else threshold
    values = {
        "score": scores,
        "label": (scores >= cut).astype(int),
        "proba": scores if kind == "proba" else None,
    }
    result = {}
    for name in names:
        metric = METRICS[name]
        given = values[metric.needs]
        result[name] = float("nan") if given is None else float(metric.fn(y_true, given))
    return result
