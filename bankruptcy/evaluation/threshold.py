"""Decision-threshold selectors, fitted on out-of-fold training scores only.

Every selector has ``select(y, scores, score_kind) -> float``. It is given the
out-of-fold scores of the training rows (never test rows); the chosen threshold
is then applied once to the test scores. A row is flagged bankrupt when
``score >= threshold``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.metrics import confusion_matrix_at_thresholds
from sklearn.utils._param_validation import Interval

from bankruptcy.core.params import CheckedParams, invalid
from bankruptcy.evaluation.metrics import ScoreKind


def threshold_table(y: np.ndarray, scores: np.ndarray) -> dict[str, np.ndarray]:
    """Confusion counts at every candidate threshold of one score vector.

    The first candidate lies just above the highest score (nobody flagged), so
    "flag no-one" is a possible choice, e.g. when false alarms are expensive; the
    others are the distinct scores (``sklearn.metrics.confusion_matrix_at_thresholds``).

    Returns
    -------
    dict with arrays ``threshold``, ``tp``, ``fp``, ``fn``, ``tn``, in
    decreasing threshold order.
    """
    tn, fp, fn, tp, threshold = confusion_matrix_at_thresholds(y, scores)
    return {
        "threshold": np.concatenate([[np.nextafter(threshold[0], np.inf)], threshold]),
        "tp": np.concatenate([[0], tp]),
        "fp": np.concatenate([[0], fp]),
        "fn": np.concatenate([[tp[-1]], fn]),
        "tn": np.concatenate([[fp[-1]], tn]),
    }


def _checked(y, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    if y.shape != scores.shape or y.ndim != 1:
        raise ValueError(f"labels {y.shape} and scores {scores.shape} must be 1-D and aligned")
    if not np.isfinite(scores).all():
        raise ValueError("out-of-fold scores contain NaN/inf; the model produced invalid scores")
    if y.min() == y.max():
        raise ValueError("out-of-fold labels hold one class only; cannot choose a threshold")
    return y, scores


class Selector(CheckedParams):
    """What every threshold rule shares: its options' checks, before any data is read."""

    def check_score_kind(self, score_kind: ScoreKind) -> None:
        """Refuse options that cannot apply to scores of `score_kind` (none by default)."""


class FixedThreshold(Selector):
    """A fixed threshold; by default the model's own rule.

    Parameters
    ----------
    value : float, optional
        Threshold to use. ``None`` means the model's own rule: 0.5 for
        probabilities, 0 for decision-function scores.
    """

    _parameter_constraints: dict = {"value": [Real, None]}

    def __init__(self, value: float | None = None):
        self.value = value

    def check_score_kind(self, score_kind: ScoreKind) -> None:
        """A threshold on probabilities lies in [0, 1]; decision scores take any value."""
        if ScoreKind(score_kind) is ScoreKind.PROBA and not (
            self.value is None or 0 <= self.value <= 1
        ):
            raise invalid(self, "value", "a probability in [0, 1] for a model that gives them")

    def select(self, y, scores, score_kind: ScoreKind = ScoreKind.PROBA) -> float:
        """Return the fixed threshold (labels and scores are not used)."""
        self._validate_params()
        self.check_score_kind(score_kind)
        if self.value is not None:
            return float(self.value)
        return ScoreKind(score_kind).default_threshold


class FBetaThreshold(Selector):
    """The threshold that maximises F-beta of the bankrupt class.

    Parameters
    ----------
    beta : float
        Weight of recall relative to precision (1 = F1, 2 favours recall).
    """

    _parameter_constraints: dict = {"beta": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, beta: float = 1.0):
        self.beta = beta

    def select(self, y, scores, score_kind: ScoreKind = ScoreKind.PROBA) -> float:
        """Threshold with the highest F-beta on (`y`, `scores`); highest threshold on ties."""
        self._validate_params()
        t = threshold_table(*_checked(y, scores))
        b2 = self.beta**2
        denom = (1 + b2) * t["tp"] + b2 * t["fn"] + t["fp"]
        fbeta = np.divide((1 + b2) * t["tp"], denom, out=np.zeros(len(denom)), where=denom > 0)
        return float(t["threshold"][np.argmax(fbeta)])


class CostThreshold(Selector):
    """The threshold with the lowest misclassification cost.

    Parameters
    ----------
    miss_cost : float
        Cost of a missed bankruptcy (type I error) in units of one false alarm
        (type II error): a miss costs `miss_cost` times a false alarm.
    """

    _parameter_constraints: dict = {"miss_cost": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, miss_cost: float = 10.0):
        self.miss_cost = miss_cost

    def select(self, y, scores, score_kind: ScoreKind = ScoreKind.PROBA) -> float:
        """Threshold minimising ``miss_cost * FN + FP``; highest threshold on ties."""
        self._validate_params()
        t = threshold_table(*_checked(y, scores))
        cost = self.miss_cost * t["fn"] + t["fp"]
        return float(t["threshold"][np.argmin(cost)])


class TargetRecallThreshold(Selector):
    """The highest threshold that catches at least a target share of bankruptcies.

    Parameters
    ----------
    recall : float
        Target recall of the bankrupt class, in (0, 1].
    """

    _parameter_constraints: dict = {"recall": [Interval(Real, 0, 1, closed="right")]}

    def __init__(self, recall: float = 0.8):
        self.recall = recall

    def select(self, y, scores, score_kind: ScoreKind = ScoreKind.PROBA) -> float:
        """Highest threshold whose recall on (`y`, `scores`) reaches the target."""
        self._validate_params()
        t = threshold_table(*_checked(y, scores))
        recall = t["tp"] / (t["tp"] + t["fn"])
        # recall grows as the threshold falls; the first hit is the highest threshold
        return float(t["threshold"][np.argmax(recall >= self.recall - 1e-12)])
