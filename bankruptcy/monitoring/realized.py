"""Realized performance once labels arrive: metrics with stratified-bootstrap intervals.

The project's metric registry computes the values (`bankruptcy.evaluation.metrics`) and
its vectorised stratified bootstrap (`bankruptcy.evaluation.bootstrap.Bootstrap`) the
intervals, so monitoring reports exactly what a training job reports on its test rows.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.evaluation import metrics
from bankruptcy.evaluation.bootstrap import Bootstrap, batch_metric
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.pd_validation import calibration_statistics
from bankruptcy.monitoring.compare import (
    WINDOW,
    Reference,
    compared,
    stream_seed,
    summary,
    versus_reference,
)

#: What the monitor reports once labels are known (brier and ece need probabilities).
REALIZED_METRICS = ("roc_auc", "pr_auc", "brier", "ece", "precision", "recall")


def one_class_status(labels: np.ndarray) -> str | None:
    """Why metrics cannot be computed from 0/1 `labels`, or None when they can."""
    if labels.size and labels.min() != labels.max():
        return None
    found = f"all {labels.size} are {int(labels[0])}" if labels.size else "there are none"
    return f"not available: the labelled rows hold one class only ({found})"


def metric_draws(
    labels: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    kind: ScoreKind | str = ScoreKind.PROBA,
    n_resamples: int = 1000,
    seed: int = 0,
    names=REALIZED_METRICS,
) -> Reference:
    """Point values and stratified-bootstrap draws of the metrics usable with `kind` scores.

    Parameters
    ----------
    labels : numpy.ndarray
        0/1 labels (1 = bankrupt) with both classes present.
    scores : numpy.ndarray
        Score of each row; a row is flagged when ``score >= threshold``.
    threshold : float
        Decision threshold of the label metrics (precision, recall).
    kind : ScoreKind or str
        ``"proba"`` or ``"decision"``; the Brier score needs probabilities.
    n_resamples, seed : int
        Bootstrap resamples and seed.
    names : sequence of str
        Registry metric names.
    """
    kind = ScoreKind(kind)
    labels = np.asarray(labels).astype(np.int64)
    names = metrics.usable(names, kind)
    values = metrics.compute(names, labels, scores, kind, threshold)
    flags = (scores >= threshold).astype(int)
    draws = Bootstrap(n_resamples, seed=seed).distributions(
        labels, scores, flags, {name: batch_metric(name) for name in names}
    )
    return values, draws


def describe(values: dict, draws: dict, confidence: float) -> dict[str, dict]:
    """Per metric: value with its bootstrap interval."""
    return {name: summary(value, draws[name], confidence) for name, value in values.items()}


def realized_performance(
    labels: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    kind: ScoreKind | str = ScoreKind.PROBA,
    reference: Reference | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """Realized metrics of the labelled rows, with intervals, against the reference rows.

    Parameters
    ----------
    labels : numpy.ndarray
        0/1 labels as floats; NaN marks rows whose outcome is not known yet (left out).
    scores : numpy.ndarray
        The model's score of each row.
    threshold : float
        Decision threshold.
    kind : ScoreKind or str
        What the scores are (``"proba"`` or ``"decision"``).
    reference : tuple, optional
        `metric_draws` of the reference (test) rows, for the comparison.
    n_resamples, confidence, seed
        Bootstrap settings.

    Returns
    -------
    dict
        ``status`` ("ok" or why not), ``n_labelled``, ``n_bankrupt`` and ``metrics``:
        per metric ``value``, ``low``, ``high`` and, with a reference, ``reference``,
        ``difference`` (with ``difference_low``/``difference_high``),
        ``worse_than_reference`` and ``change``, and the ``verdict`` over all metrics
        (`compare.compared`); for probabilities also ``calibration``: mean PD against
        the observed rate, calibration intercept, slope and goodness-of-fit p-value
        (`bankruptcy.evaluation.pd_validation.calibration_statistics`).
    """
    known = ~np.isnan(labels)
    y, s = labels[known].astype(np.int64), scores[known]
    result = {"n_labelled": int(known.sum()), "n_bankrupt": int(y.sum())}
    status = one_class_status(y)
    if status is not None:
        return {"status": status} | result
    values, draws = metric_draws(y, s, threshold, kind, n_resamples, stream_seed(seed, WINDOW))
    result |= {"confidence": confidence, "metrics": describe(values, draws, confidence)}
    if reference is not None:
        (ref_values, ref_draws), names = reference, [n for n in values if n in reference[0]]

        def comparison(name, each):
            return versus_reference(
                name, draws[name], values[name], ref_draws[name], ref_values[name], each
            )

        result |= compared(result["metrics"], comparison, names, confidence)
    if ScoreKind(kind) is ScoreKind.PROBA:
        result["calibration"] = calibration_statistics(y, s, confidence)
    return {"status": "ok"} | result
