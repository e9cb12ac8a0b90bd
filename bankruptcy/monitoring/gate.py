"""Promotion gate: is the challenger really better than the champion on the same rows?

Both models score the same labelled rows, which neither trained on. The challenger is
promoted only if

1. its ROC-AUC exceeds the champion's by more than ``margin``, by DeLong's test for two
   correlated ROC curves (one-sided, ``p < alpha``): the two AUCs are estimated on the
   same rows, so their difference has a much smaller variance than two independent
   AUCs would, and DeLong's structural components estimate exactly that covariance;
2. its PR-AUC is not below the champion's by more than ``pr_auc_tolerance``, and
3. its Brier score is not above the champion's by more than ``brier_tolerance``
   (checked when both models give probabilities).

Conditions 2 and 3 compare point estimates: they guard against trading the bankrupt
class's precision or the calibration for ranking, not against noise. The record also
holds paired stratified-bootstrap intervals of all three differences (the project's
`Bootstrap` resampling, the same rows for both models).

Neither SciPy nor scikit-learn has DeLong's test; `delong` below follows Sun & Xu
(2014, IEEE Signal Processing Letters 21(11)): midranks give every structural
component in one pass.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation import metrics
from bankruptcy.evaluation.bootstrap import Batch, Bootstrap, batch_metric
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.monitoring.compare import interval
from bankruptcy.monitoring.inputs import as_labels, as_scores, require_both_classes

GATE_METRICS = ("roc_auc", "pr_auc", "brier")
TEST_NAME = "DeLong test for two correlated ROC curves, one-sided"


def delong(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC-AUCs of several score vectors on the same rows and their covariance matrix.

    Parameters
    ----------
    labels : numpy.ndarray
        0/1 labels of ``n`` rows, both classes present.
    scores : numpy.ndarray
        ``(k, n)`` scores of ``k`` models.

    Returns
    -------
    auc : numpy.ndarray
        ``(k,)`` ROC-AUCs (ties count one half).
    covariance : numpy.ndarray
        ``(k, k)`` DeLong covariance of the AUC estimates.
    """
    positive = labels == 1
    m, n = int(positive.sum()), int((~positive).sum())
    ranks = stats.rankdata(scores, axis=1)
    ranks_pos = stats.rankdata(scores[:, positive], axis=1)
    ranks_neg = stats.rankdata(scores[:, ~positive], axis=1)
    # share of operating rows scored below each bankrupt row, and of bankrupt rows above
    # each operating row (ties one half): the structural components
    v_pos = (ranks[:, positive] - ranks_pos) / n
    v_neg = 1 - (ranks[:, ~positive] - ranks_neg) / m
    auc = v_pos.mean(axis=1)
    covariance = np.atleast_2d(np.cov(v_pos)) / m + np.atleast_2d(np.cov(v_neg)) / n
    return auc, covariance


def paired_differences(
    labels: np.ndarray,
    champion: np.ndarray,
    challenger: np.ndarray,
    names,
    n_resamples: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Challenger minus champion for each metric on the same stratified resamples."""
    if n_resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    idx = Bootstrap(n_resamples, seed=seed).resample_indices(labels, rng, n_resamples)
    y = labels[idx]
    # the gate's metrics rank or score; none reads 0/1 decisions, so none are given
    batches = [Batch(y, s[idx], np.zeros_like(y)) for s in (champion, challenger)]
    return {name: batch_metric(name)(batches[1]) - batch_metric(name)(batches[0]) for name in names}


def promotion_gate(
    labels,
    champion_scores,
    challenger_scores,
    margin: float = 0.005,
    alpha: float = 0.05,
    pr_auc_tolerance: float = 0.01,
    brier_tolerance: float = 0.002,
    probabilities: bool = True,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """Decide whether the challenger replaces the champion; return the decision record.

    Parameters
    ----------
    labels : array-like
        0/1 outcome of every row (1 = bankrupt); both classes must be present.
    champion_scores, challenger_scores : array-like
        Each model's score of the same rows (neither model trained on them).
    margin : float
        ROC-AUC gain the challenger must exceed (null hypothesis: gain <= margin). Seed
        twins differ by a few thousandths on a whole hold-out; with a margin of 0 large
        windows promote them about 10 % of the time (``scripts/bench_monitoring.py``).
    alpha : float
        Significance level of the one-sided test.
    pr_auc_tolerance : float
        Largest PR-AUC loss accepted.
    brier_tolerance : float
        Largest Brier-score increase accepted.
    probabilities : bool
        Whether both models' scores are probabilities (the Brier condition needs them).
    n_resamples, seed : int
        Paired bootstrap of the recorded intervals (0: no intervals; the decision does not
        use them).

    Returns
    -------
    dict
        JSON-ready record: ``promoted``, ``reason``, ``test``, ``statistic``,
        ``p_value``, ``alpha``, ``margin``, ``tolerances``, ``n_rows``, ``n_bankrupt``,
        ``champion`` and ``challenger`` metrics, ``difference`` (challenger minus
        champion with paired-bootstrap intervals) and ``conditions`` (each with
        ``passed`` and its ``rule``).

    Raises
    ------
    UserError
        Labels other than 0/1 or missing, one class only, or scores not one per row.
    """
    y = as_labels(labels, "gate labels", len(np.asarray(labels).ravel()))
    if np.isnan(y).any():
        raise UserError(
            f"gate labels: {int(np.isnan(y).sum())} row(s) have no label; pass labelled rows only"
        )
    require_both_classes(y, "gate labels")
    y = y.astype(np.int64)
    champion = as_scores(champion_scores, "champion scores", len(y))
    challenger = as_scores(challenger_scores, "challenger scores", len(y))
    names = GATE_METRICS if probabilities else GATE_METRICS[:2]

    auc, covariance = delong(y, np.vstack([champion, challenger]))
    gain = float(auc[1] - auc[0])
    se = float(np.sqrt(max(covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1], 0.0)))
    statistic = (gain - margin) / se if se > 0 else (np.inf if gain > margin else -np.inf)
    p_value = float(stats.norm.sf(statistic))

    kind = ScoreKind.PROBA if probabilities else ScoreKind.DECISION
    values = {
        "champion": metrics.compute(names, y, champion, kind),
        "challenger": metrics.compute(names, y, challenger, kind),
    }
    draws = paired_differences(y, champion, challenger, names, n_resamples, seed)
    difference = {}
    for name in names:
        low, high = interval(draws[name], 0.95) if n_resamples > 0 else (None, None)
        value = values["challenger"][name] - values["champion"][name]
        difference[name] = {"value": value, "low": low, "high": high}

    conditions = {
        "roc_auc_better": {
            "passed": p_value < alpha,
            "rule": f"one-sided p < {alpha} for ROC-AUC gain > {margin}",
        },
        "pr_auc_not_worse": {
            "passed": difference["pr_auc"]["value"] >= -pr_auc_tolerance,
            "rule": f"PR-AUC change >= -{pr_auc_tolerance}",
        },
        "brier_not_worse": {
            "passed": difference["brier"]["value"] <= brier_tolerance if probabilities else None,
            "rule": f"Brier change <= {brier_tolerance}"
            + ("" if probabilities else " (not applicable: scores are not probabilities)"),
        },
    }
    promoted = all(c["passed"] is not False for c in conditions.values())
    return {
        "promoted": promoted,
        "reason": _reason(promoted, gain, margin, p_value, alpha, conditions),
        "test": TEST_NAME,
        "statistic": float(statistic),
        "p_value": p_value,
        "alpha": alpha,
        "margin": margin,
        "tolerances": {"pr_auc": pr_auc_tolerance, "brier": brier_tolerance},
        "n_rows": int(len(y)),
        "n_bankrupt": int(y.sum()),
        "champion": values["champion"],
        "challenger": values["challenger"],
        "difference": difference,
        "conditions": conditions,
    }


def _reason(promoted, gain, margin, p_value, alpha, conditions) -> str:
    """One line saying why the challenger was or was not promoted."""
    auc = f"ROC-AUC gain {gain:+.4f} vs margin {margin:g} (p = {p_value:.3g})"
    if promoted:
        return f"promoted: {auc}; PR-AUC and Brier within tolerance"
    failed = [name for name, c in conditions.items() if c["passed"] is False]
    if "roc_auc_better" in failed:
        return f"kept champion: {auc} is not significant at {alpha}"
    return f"kept champion: {auc} passed, but {' and '.join(failed)} failed"
