"""Performance without labels: confidence-based performance estimation (CBPE).

If a model's probabilities are calibrated, a company scored ``p`` goes bankrupt with
probability ``p``. Then the expected confusion matrix at the threshold follows from the
probabilities alone (expected true positives = sum of ``p`` over flagged rows, and so
on), and so does the distribution of any metric: draw every row's label from
Bernoulli(``p``), compute the metric, repeat. The mean over draws is the expected
metric, the central interval the range the realized metric should fall in if the
probabilities are right. That band covers the randomness of the labels only; a model
whose calibration has drifted makes the estimate wrong without widening it, which is
why the estimate is offered only for calibrated models and why it should be checked
against realized metrics when labels arrive. (NannyML's CBPE computes the expected
confusion matrix at every threshold and integrates the expected ROC curve; drawing
labels gives the expectation of the metric itself and its band in one go.)

All draws share one order of the scores, so the rows are sorted once and the project's
batched metrics (`bankruptcy.evaluation.bootstrap.Batch`) evaluate a chunk of draws at
a time.
"""

from __future__ import annotations

import numpy as np

from bankruptcy.evaluation.bootstrap import Batch, batch_metric
from bankruptcy.monitoring.compare import mean
from bankruptcy.monitoring.realized import Reference, describe

NOT_CALIBRATED = "not available: scores are not calibrated probabilities"
#: Metrics estimated without labels.
ESTIMATED_METRICS = ("roc_auc", "pr_auc", "precision", "recall")


def expected_confusion(probabilities: np.ndarray, threshold: float) -> dict:
    """Expected ``tp``, ``fp``, ``fn``, ``tn`` counts at `threshold` if `probabilities` hold."""
    flagged = probabilities >= threshold
    return {
        "tp": float(probabilities[flagged].sum()),
        "fp": float((1 - probabilities[flagged]).sum()),
        "fn": float(probabilities[~flagged].sum()),
        "tn": float((1 - probabilities[~flagged]).sum()),
    }


def label_draws(
    probabilities: np.ndarray,
    threshold: float,
    n_draws: int = 500,
    seed: int = 0,
    names=ESTIMATED_METRICS,
    max_cells: int = 2_000_000,
) -> dict[str, np.ndarray]:
    """Each metric of `names` on `n_draws` label vectors drawn from Bernoulli(`probabilities`).

    A draw without a bankrupt (or without an operating) row has no ROC-AUC or PR-AUC:
    NaN there.
    """
    p = np.sort(probabilities)[::-1]
    rng = np.random.default_rng(seed)
    chunk = max(1, max_cells // len(p))
    values: dict[str, list] = {name: [] for name in names}
    for start in range(0, n_draws, chunk):
        size = min(chunk, n_draws - start)
        labels = (rng.random((size, len(p))) < p).astype(np.int64)
        one_class = labels.min(axis=1) == labels.max(axis=1)
        shape = labels.shape
        batch = Batch(labels, np.broadcast_to(p, shape), np.broadcast_to(p >= threshold, shape))
        with np.errstate(divide="ignore", invalid="ignore"):
            for name in names:
                drawn = batch_metric(name)(batch).astype(np.float64)
                if name in ("roc_auc", "pr_auc"):
                    drawn[one_class] = np.nan
                values[name].append(drawn)
    return {name: np.concatenate(parts) for name, parts in values.items()}


def estimate_performance(
    probabilities: np.ndarray,
    threshold: float,
    calibrated: bool,
    reference: Reference | None = None,
    n_draws: int = 500,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """Expected metrics of a window from its calibrated probabilities alone.

    Parameters
    ----------
    probabilities : numpy.ndarray
        Predicted probabilities of bankruptcy, in [0, 1].
    threshold : float
        Decision threshold (a row is flagged when ``p >= threshold``).
    calibrated : bool
        Whether the probabilities are calibrated; without calibration no estimate is made.
    reference : tuple, optional
        `realized.metric_draws` of the reference (test) rows, for the comparison.
    n_draws, confidence, seed
        Label draws, width of the band, seed.

    Returns
    -------
    dict
        ``status`` ("ok" or why not). With "ok": ``method``, ``n_draws``,
        ``confidence``, ``expected_bankrupt_rate``, ``expected_confusion`` and
        ``metrics``: per metric ``value`` (expected), ``low``, ``high`` and, with a
        reference, the comparison fields of `compare.versus_reference`.
    """
    if not calibrated:
        return {"status": NOT_CALIBRATED}
    draws = label_draws(probabilities, threshold, n_draws, seed)
    values = {name: mean(d) for name, d in draws.items()}
    return {
        "status": "ok",
        "method": "CBPE: labels drawn from the calibrated probabilities",
        "n_draws": n_draws,
        "confidence": confidence,
        "expected_bankrupt_rate": float(probabilities.mean()),
        "expected_confusion": expected_confusion(probabilities, threshold),
        "metrics": describe(values, draws, reference, confidence),
    }
