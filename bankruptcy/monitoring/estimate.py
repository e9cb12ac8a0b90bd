"""Performance without labels: confidence-based performance estimation (CBPE).

If a model's probabilities are calibrated, a company scored ``p`` goes bankrupt with
probability ``p``: it counts as ``p`` of a bankrupt company and ``1 - p`` of an operating one.
The confusion matrix at every threshold then has an expected value, and the metrics of those
expected matrices are the estimate (NannyML's CBPE: the expected ROC curve, integrated; the
expected precision-recall steps; precision and recall at the threshold). The project's batched
metrics (`bankruptcy.evaluation.bootstrap.Batch`) compute them with the probabilities as labels.

Two intervals answer two questions:

- the **band** (``low``, ``high``): where the realized metric of these rows should fall if the
  probabilities are right: labels drawn from Bernoulli(``p``), the metric of each draw. It
  covers the randomness of the labels only; a model whose calibration has drifted makes the
  estimate wrong without widening it, which is why the estimate is offered only for
  calibrated models and should be checked against realized metrics when labels arrive.
- the **comparison** with the reference rows (the package's test rows): the same estimate on
  their scores. The difference of the two estimates is set against the differences seen
  when nothing changed: samples of the window's and of the reference's size, both drawn
  from the two sets of rows pooled (`unchanged_differences`,
  `bankruptcy.monitoring.compare.versus_null`). A window from the reference's population
  gives no change; a window whose scores say the model faces harder (or easier) companies
  gives a difference. Comparing the estimate with the reference's *realized* metric instead
  would judge an expectation against one draw of luck (one test split).

All resamples share one order of the scores: the probabilities are sorted once, each
resample's row indices are sorted, and a chunk of resamples is one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bankruptcy.evaluation.bootstrap import Batch, batch_metric
from bankruptcy.monitoring.compare import (
    REFERENCE,
    WINDOW,
    compared,
    stream_seed,
    summary,
    versus_null,
)

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


def expected_metrics(
    probabilities: np.ndarray,
    threshold: float,
    n_resamples: int = 0,
    seed: int = 0,
    size: int | None = None,
    names=ESTIMATED_METRICS,
    max_cells: int = 2_000_000,
) -> dict[str, np.ndarray]:
    """Each metric of `names` on the expected confusion matrices of the rows, or of
    `n_resamples` samples of `size` of them drawn with replacement.

    Parameters
    ----------
    probabilities : numpy.ndarray
        Calibrated probabilities of bankruptcy.
    threshold : float
        A row is flagged when ``p >= threshold`` (precision and recall).
    n_resamples : int
        0: the rows themselves (arrays of one value); else rows drawn with replacement.
    seed : int
        Seed of the resamples.
    size : int, optional
        Rows of each resample (default: as many as there are).

    Returns
    -------
    dict of str to numpy.ndarray
        NaN where a metric is undefined: no flagged row (precision), no expected bankrupt or
        operating company (the rest).
    """
    p = np.sort(probabilities)[::-1]
    rng = np.random.default_rng(seed)
    width = len(p) if size is None or not n_resamples else size

    def chunk(count: int) -> dict[str, np.ndarray]:
        if n_resamples:  # sorted positions keep the scores sorted
            rows = p[np.sort(rng.integers(0, len(p), (count, width)), axis=1)]
        else:
            rows = p[None, :]
        flagged = rows >= threshold
        positives = rows.sum(axis=1)
        one_class = (positives <= 0) | (positives >= rows.shape[1])
        undefined = dict.fromkeys(names, one_class) | {"precision": ~flagged.any(axis=1)}
        return _evaluate(Batch(rows, rows, flagged), names, undefined)

    return _in_chunks(chunk, max(n_resamples, 1), width, max_cells)


@dataclass(frozen=True)
class ReferenceEstimate:
    """The estimate on the reference (test) rows, what a window's estimate is judged against.

    Attributes
    ----------
    probabilities : numpy.ndarray
        The reference rows' probabilities (windows of no change are drawn from them).
    values : dict of str to float
        The estimate of each metric.
    draws : dict of str to numpy.ndarray
        Bootstrap values of each metric (samples of the reference's size).
    """

    probabilities: np.ndarray
    values: dict
    draws: dict

    @property
    def n_resamples(self) -> int:
        """Bootstrap values per metric."""
        return len(next(iter(self.draws.values())))


def reference_estimate(
    probabilities: np.ndarray, threshold: float, n_resamples: int = 1000, seed: int = 0
) -> ReferenceEstimate:
    """The estimate on the reference rows and `n_resamples` bootstrap values of it."""
    values = {k: float(v[0]) for k, v in expected_metrics(probabilities, threshold).items()}
    draws = expected_metrics(probabilities, threshold, n_resamples, seed)
    return ReferenceEstimate(np.asarray(probabilities), values, draws)


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

    def chunk(size: int) -> dict[str, np.ndarray]:
        labels = (rng.random((size, len(p))) < p).astype(np.int64)
        one_class = labels.min(axis=1) == labels.max(axis=1)
        shape = labels.shape
        batch = Batch(labels, np.broadcast_to(p, shape), np.broadcast_to(p >= threshold, shape))
        return _evaluate(batch, names, {"roc_auc": one_class, "pr_auc": one_class})

    return _in_chunks(chunk, n_draws, len(p), max_cells)


def _evaluate(batch: Batch, names, undefined: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each metric of `names` on `batch`, NaN where its `undefined` mask says so."""
    values = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in names:
            values[name] = batch_metric(name)(batch).astype(np.float64)
            if name in undefined:
                values[name][undefined[name]] = np.nan
    return values


def _in_chunks(chunk, count: int, n_rows: int, max_cells: int) -> dict[str, np.ndarray]:
    """`chunk(size)` for batches of at most `max_cells` cells of `n_rows` rows, `count` in all,
    joined."""
    size = max(1, max_cells // n_rows)
    parts = [chunk(min(size, count - start)) for start in range(0, count, size)]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def unchanged_differences(
    probabilities: np.ndarray,
    reference_probabilities: np.ndarray,
    threshold: float,
    n_resamples: int,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Differences of the estimate between a window and the reference rows when nothing
    changed: both drawn (their sizes, with replacement) from the rows of both pooled.

    Pooling is the two-sample bootstrap test of "one population"; the pool's dozens of
    flagged companies give the spread that a small side alone would understate.
    """
    pool = np.concatenate([reference_probabilities, probabilities])
    window, reference = (
        expected_metrics(pool, threshold, n_resamples, stream_seed(seed, stream), size=size)
        for stream, size in (
            (WINDOW, len(probabilities)),
            (REFERENCE, len(reference_probabilities)),
        )
    )
    return {name: window[name] - reference[name] for name in window}


def estimate_performance(
    probabilities: np.ndarray,
    threshold: float,
    calibrated: bool,
    reference: ReferenceEstimate | None = None,
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
    reference : ReferenceEstimate, optional
        The same estimate on the reference (test) rows (`reference_estimate`), for the
        comparison; as many windows of no change as it has bootstrap values.
    n_draws, confidence, seed
        Label draws of the band, width of the intervals, seed.

    Returns
    -------
    dict
        ``status`` ("ok" or why not). With "ok": ``method``, ``n_draws``,
        ``confidence``, ``expected_bankrupt_rate``, ``expected_confusion`` and
        ``metrics``: per metric ``value`` (the estimate), ``low``, ``high`` (the band of the
        realized metric) and, with a reference, the comparison fields of
        `compare.versus_null` and the ``verdict`` over all metrics (`compare.compared`).
    """
    if not calibrated:
        return {"status": NOT_CALIBRATED}
    band = label_draws(probabilities, threshold, n_draws, seed)
    values = {k: float(v[0]) for k, v in expected_metrics(probabilities, threshold).items()}
    result = {
        "status": "ok",
        "method": "CBPE: metrics of the expected confusion matrices of the calibrated "
        "probabilities; band: labels drawn from them",
        "n_draws": n_draws,
        "confidence": confidence,
        "expected_bankrupt_rate": float(probabilities.mean()),
        "expected_confusion": expected_confusion(probabilities, threshold),
        "metrics": {name: summary(values[name], band[name], confidence) for name in values},
    }
    if reference is not None:
        null = unchanged_differences(
            probabilities, reference.probabilities, threshold, reference.n_resamples, seed
        )

        def comparison(name, each):
            return versus_null(name, values[name], reference.values[name], null[name], each)

        names = [name for name in values if name in reference.values]
        result |= compared(result["metrics"], comparison, names, confidence)
        result["compared_with"] = "the same estimate on the reference (test) rows"
    return result
