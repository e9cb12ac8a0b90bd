"""Metrics for the bankrupt class, computed from a model's scores: the one metric registry.

Each metric says what it needs: ``score`` (any ranking score: probability or
decision function), ``label`` (0/1 decisions at the threshold) or ``proba``
(a calibrated-looking probability; models without one get NaN, with the fix
in the log), and whether a higher value is better. Everything that ranks or
compares metric values (leaderboards, report arrows, Optuna's direction)
asks `higher_is_better`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

import numpy as np
from imblearn.metrics import geometric_mean_score, specificity_score
from sklearn import metrics as skm

from bankruptcy.core.errors import UserError

log = logging.getLogger(__name__)


class ScoreKind(StrEnum):
    """What a model's scores are: probabilities, or a decision function's values."""

    PROBA = "proba"
    DECISION = "decision"

    @property
    def default_threshold(self) -> float:
        """The score at which the model's own rule says "bankrupt"."""
        return 0.5 if self is ScoreKind.PROBA else 0.0

    @property
    def axis_label(self) -> str:
        """How figures and tables name the scores."""
        if self is ScoreKind.PROBA:
            return "Predicted probability of bankruptcy"
        return "Decision score (higher = more likely bankrupt)"


@dataclass(frozen=True)
class Metric:
    """A metric function ``fn(y_true, values)``, the values it needs and its direction."""

    fn: Callable[[np.ndarray, np.ndarray], float]
    needs: str  # "score" | "label" | "proba"
    higher_is_better: bool = True


def type1_error(y_true, labels) -> float:
    """Share of bankrupt companies predicted healthy (missed bankruptcies, 1 - recall)."""
    return 1.0 - skm.recall_score(y_true, labels, zero_division=0)


def type2_error(y_true, labels) -> float:
    """Share of operating companies flagged bankrupt (false alarms, 1 - specificity)."""
    return 1.0 - specificity_score(y_true, labels, pos_label=1, average="binary")


def ks_statistic(y_true, scores) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the classes' score CDFs."""
    fpr, tpr, _ = skm.roc_curve(y_true, scores)
    return float(np.max(tpr - fpr))


def recall_at_fpr(y_true, scores, max_fpr: float) -> float:
    """Highest recall reachable while flagging at most `max_fpr` of operating companies."""
    fpr, tpr, _ = skm.roc_curve(y_true, scores, drop_intermediate=False)
    return float(np.max(tpr[fpr <= max_fpr + 1e-12]))


def gini(y_true, scores) -> float:
    """Gini coefficient (accuracy ratio) of the ranking, 2 ROC-AUC - 1: credit risk's name."""
    return 2 * skm.roc_auc_score(y_true, scores) - 1


#: Equal-width PD bins of the expected calibration error (the reliability diagram's).
ECE_BINS = np.linspace(0.0, 1.0, 11)


def expected_calibration_error(y_true, proba) -> float:
    """ECE: the rows' share-weighted gap between mean PD and observed rate, per `ECE_BINS` bin.

    Equals (1/n) sum over bins of |sum (p - y)|; 0 for PDs that match the outcomes bin by bin.
    """
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(proba, dtype=float)
    bins = np.searchsorted(ECE_BINS[1:-1], p)
    gaps = np.bincount(bins, weights=p - y, minlength=len(ECE_BINS) - 1)
    return float(np.abs(gaps).sum() / len(y))


def precision_at_top(y_true, scores, fraction: float) -> float:
    """Share of bankrupt companies among the `fraction` highest scores (ties in row order)."""
    k = max(1, int(np.ceil(fraction * len(scores) - 1e-9)))
    top = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return float(np.mean(np.asarray(y_true)[top]))


METRICS: dict[str, Metric] = {
    "roc_auc": Metric(skm.roc_auc_score, "score"),
    "gini": Metric(gini, "score"),
    "pr_auc": Metric(skm.average_precision_score, "score"),
    "f1": Metric(partial(skm.f1_score, zero_division=0), "label"),
    "precision": Metric(partial(skm.precision_score, zero_division=0), "label"),
    "recall": Metric(partial(skm.recall_score, zero_division=0), "label"),
    "accuracy": Metric(skm.accuracy_score, "label"),
    "balanced_accuracy": Metric(skm.balanced_accuracy_score, "label"),
    "mcc": Metric(skm.matthews_corrcoef, "label"),
    "brier": Metric(skm.brier_score_loss, "proba", higher_is_better=False),
    "log_loss": Metric(partial(skm.log_loss, labels=[0, 1]), "proba", higher_is_better=False),
    "ece": Metric(expected_calibration_error, "proba", higher_is_better=False),
    "g_mean": Metric(partial(geometric_mean_score, average="binary"), "label"),
    "type1_error": Metric(type1_error, "label", higher_is_better=False),
    "type2_error": Metric(type2_error, "label", higher_is_better=False),
    "ks": Metric(ks_statistic, "score"),
    "recall_at_fpr5": Metric(partial(recall_at_fpr, max_fpr=0.05), "score"),
    "precision_at_top5": Metric(partial(precision_at_top, fraction=0.05), "score"),
}

# Suffixes a metrics.json key may carry after the metric's name (see the output contract).
_KEY_SUFFIXES = ("_ci_low", "_ci_high", "@threshold")


def metric_of(key: str) -> str:
    """The registry name behind a metrics.json key: ``"test/f1@threshold_ci_low"`` -> ``"f1"``."""
    name = key.rsplit("/", 1)[-1]
    for suffix in _KEY_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def higher_is_better(key: str) -> bool:
    """Whether a larger value of metrics.json key `key` is better.

    Metric keys (``cv/brier``, ``test/type1_error@threshold``) follow the registry; spreads
    (``..._std``) and timings (``..._seconds``) are better small; anything else (e.g.
    ``threshold``) counts as higher-is-better.
    """
    if key.endswith(("_std", "_seconds")):
        return False
    metric = METRICS.get(metric_of(key))
    return True if metric is None else metric.higher_is_better


def direction(key: str) -> str:
    """``"maximize"`` or ``"minimize"``: `higher_is_better` in an optimiser's words."""
    return "maximize" if higher_is_better(key) else "minimize"


def check_names(names: Iterable[str]) -> list[str]:
    """Return `names` as a list, or raise naming the unknown ones and the valid choices."""
    names = list(names)
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise UserError(
            f"unknown metric(s) {unknown} in metrics.names; choose from {sorted(METRICS)}"
        )
    return names


def score_kind(model) -> ScoreKind:
    """What `model` (fitted or not) scores with: ``predict_proba`` where it has it, else
    ``decision_function`` (e.g. an SVM without Platt scaling)."""
    return ScoreKind.PROBA if hasattr(model, "predict_proba") else ScoreKind.DECISION


def positive_scores(model, X) -> tuple[np.ndarray, ScoreKind]:
    """Score of the bankrupt class for each row of `X`, and its kind (`score_kind`).

    Ranking metrics so never need the slow ``probability=True`` of an SVM.
    """
    classes = list(model.classes_)
    if score_kind(model) is ScoreKind.PROBA:
        return model.predict_proba(X)[:, classes.index(1)], ScoreKind.PROBA
    scores = model.decision_function(X)
    return (scores if classes[-1] == 1 else -scores), ScoreKind.DECISION


def usable(names: Iterable[str], kind: ScoreKind) -> list[str]:
    """The metrics of `names` that scores of `kind` can give (probability metrics need probas)."""
    return [n for n in names if METRICS[n].needs != "proba" or kind is ScoreKind.PROBA]


def label_metrics(names: Iterable[str]) -> list[str]:
    """The metrics of `names` computed from 0/1 decisions (they depend on the threshold)."""
    return [n for n in names if METRICS[n].needs == "label"]


def compute(
    names: Iterable[str],
    y_true,
    scores: np.ndarray,
    kind: ScoreKind,
    threshold: float | None = None,
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
    kind : ScoreKind
        What `scores` are; metrics that need probabilities are NaN for decision scores.
    threshold : float, optional
        Score at or above which a row counts as bankrupt; default the model's
        own rule (``kind.default_threshold``).
    """
    y_true = np.asarray(y_true)
    kind = ScoreKind(kind)
    cut = kind.default_threshold if threshold is None else threshold
    values = {
        "score": scores,
        "label": (scores >= cut).astype(int),
        "proba": scores if kind is ScoreKind.PROBA else None,
    }
    result = {}
    for name in names:
        metric = METRICS[name]
        given = values[metric.needs]
        result[name] = float("nan") if given is None else float(metric.fn(y_true, given))
    return result
