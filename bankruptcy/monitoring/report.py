"""The monitor report: one call that checks a window of production rows against the package.

`monitor` is the entry point the command-line tool calls. It takes the model package's
reference statistics and a window of scored rows as plain arguments and returns one
JSON-ready dict (NaN and infinities become ``None``):

- ``drift``: ``dataset`` (bool), ``columns`` (drifted, most significant first),
  ``univariate`` and ``multivariate`` details, the ``rule`` in words;
- ``scores``: KS p-value, PSI, share above the threshold;
- ``quality``: missingness, out-of-range values, rows rejected by the contract;
- ``performance``: ``reference`` (realized metrics of the test rows),
  ``reference_estimated`` (the label-free estimate on the test rows' scores),
  ``estimated`` (the window without labels, judged against ``reference_estimated``) and,
  given labels, ``realized`` (judged against ``reference``); each comparison ends in a
  ``verdict`` ("worse", "better" or "no change");
- ``columns``: per column test, p-values, effect sizes, missingness, out-of-range share.

The dataset-level false-alarm rate is at most ``alpha``: the per-column tests share
``alpha * (1 - multivariate_share)`` through Holm's correction and the multivariate test
gets the rest (a union bound over the two families).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.core.jsonable import json_ready
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.monitoring.compare import REFERENCE, stream_seed
from bankruptcy.monitoring.drift import column_kinds, feature_drift
from bankruptcy.monitoring.estimate import estimate_performance, reference_estimate
from bankruptcy.monitoring.inputs import (
    align_columns,
    as_labels,
    as_probabilities,
    as_scores,
    numeric_like_reference,
    require_rows,
)
from bankruptcy.monitoring.multivariate import domain_classifier_drift, encode
from bankruptcy.monitoring.quality import data_quality
from bankruptcy.monitoring.realized import (
    describe,
    metric_draws,
    one_class_status,
    realized_performance,
)
from bankruptcy.monitoring.scores import score_drift


def monitor(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    reference_scores,
    current_scores,
    threshold: float,
    calibrated: bool,
    *,
    reference_labels=None,
    labels=None,
    rows_rejected: int = 0,
    score_kind: ScoreKind | str = ScoreKind.PROBA,
    alpha: float = 0.05,
    multivariate_share: float = 0.2,
    multivariate: bool = True,
    n_bins: int = 10,
    n_draws: int = 500,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """Check a window of production rows against the model package's reference statistics.

    Parameters
    ----------
    reference : pandas.DataFrame
        Sample of training rows (raw model inputs; NaN and infinities allowed).
    current : pandas.DataFrame
        The window's rows; must hold every reference column (extra columns are ignored
        and listed in ``columns_ignored``).
    reference_scores : array-like
        The model's scores of the package's test rows.
    current_scores : array-like
        The model's scores of the window's rows, in `current`'s order.
    threshold : float
        Decision threshold (flag when ``score >= threshold``).
    calibrated : bool
        Whether the scores are calibrated probabilities (needed for the label-free
        estimate).
    reference_labels : array-like, optional
        0/1 outcome of the test rows, for the reference metrics and comparisons.
    labels : array-like, optional
        0/1 outcome of the window's rows (NaN = not known yet); adds ``realized``.
    rows_rejected : int
        Rows of the window the input contract refused.
    score_kind : ScoreKind or str
        ``"proba"`` or ``"decision"`` (decision values have no Brier score).
    alpha : float
        Dataset-level false-alarm rate.
    multivariate_share : float
        Share of `alpha` spent on the multivariate test.
    multivariate : bool
        Whether to run the multivariate (domain-classifier) test.
    n_bins : int
        Reference-quantile bins of the PSIs.
    n_draws, n_resamples, confidence : int, int, float
        Label draws of the estimate, bootstrap resamples, interval coverage.
    seed : int
        Seed of every random step (same inputs and seed, same report).

    Returns
    -------
    dict
        The report, JSON-ready (see the module docstring).

    Raises
    ------
    UserError
        Missing columns, too few rows, scores or labels that do not fit.
    """
    current, ignored = align_columns(reference, current)
    require_rows(len(reference), "reference")
    require_rows(len(current), "current data")
    current = numeric_like_reference(reference, current)
    check = as_probabilities if calibrated else as_scores
    ref_scores = check(reference_scores, "reference scores")
    cur_scores = check(current_scores, "current scores", len(current))
    score_kind = ScoreKind(score_kind)
    if rows_rejected < 0:
        raise UserError(f"rows_rejected={rows_rejected}: pass the number of rejected rows (>= 0)")

    kinds = column_kinds(reference)
    univariate_alpha = alpha * (1 - multivariate_share) if multivariate else alpha
    univariate, column_table = feature_drift(reference, current, univariate_alpha, kinds, n_bins)
    drift = {
        "dataset": univariate["drift"],
        "alpha": alpha,
        "rule": _rule(univariate_alpha, alpha - univariate_alpha if multivariate else None),
        "columns": univariate["columns"],
        "univariate": univariate,
    }
    if multivariate:
        mv = domain_classifier_drift(
            *encode(reference, current), alpha=alpha * multivariate_share, seed=seed
        )
        drift["multivariate"] = mv
        drift["dataset"] = drift["dataset"] or mv["drift"]
    quality, quality_table = data_quality(reference, current, kinds, rows_rejected, alpha)

    performance = performance_views(
        ref_scores,
        cur_scores,
        threshold,
        calibrated,
        reference_labels=reference_labels,
        labels=labels,
        score_kind=score_kind,
        n_draws=n_draws,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )

    columns = column_table.merge(quality_table, on="column").set_index("column")
    report = {
        "n_rows": len(current),
        "n_reference_rows": len(reference),
        "n_reference_scores": len(ref_scores),
        "columns_ignored": ignored,
        "drift": drift,
        "scores": score_drift(ref_scores, cur_scores, threshold, n_bins)
        | {"kind": score_kind.value},
        "quality": quality,
        "performance": performance,
        "columns": columns.to_dict(orient="index"),
        "settings": {
            "alpha": alpha,
            "multivariate_share": multivariate_share,
            "n_bins": n_bins,
            "n_draws": n_draws,
            "n_resamples": n_resamples,
            "confidence": confidence,
            "seed": seed,
        },
    }
    return json_ready(report)


def performance_views(
    reference_scores: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    calibrated: bool,
    *,
    reference_labels=None,
    labels=None,
    score_kind: ScoreKind = ScoreKind.PROBA,
    n_draws: int = 500,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict:
    """The report's ``performance``: each view of the window beside the same view of the
    reference (test) rows, which it is judged against (see `monitor` for the parameters).

    ``reference`` and ``realized`` need labels, ``reference_estimated`` and ``estimated``
    calibrated probabilities.
    """
    performance = {"calibrated": bool(calibrated), "threshold": float(threshold)}
    reference_metrics = None
    if reference_labels is not None:
        y_ref = as_labels(reference_labels, "reference labels", len(reference_scores))
        known = ~np.isnan(y_ref)
        status = one_class_status(y_ref[known])
        performance["reference"] = {"status": status}
        if status is None:
            reference_metrics = metric_draws(
                y_ref[known],
                reference_scores[known],
                threshold,
                score_kind,
                n_resamples,
                stream_seed(seed, REFERENCE),
            )
            performance["reference"] = {
                "status": "ok",
                "n_labelled": int(known.sum()),
                "metrics": describe(*reference_metrics, confidence),
            }
    estimate = None
    if calibrated:
        estimate = reference_estimate(
            reference_scores, threshold, n_resamples, stream_seed(seed, REFERENCE)
        )
        performance["reference_estimated"] = {
            "status": "ok",
            "n_rows": len(reference_scores),
            "metrics": describe(estimate.values, estimate.draws, confidence),
        }
    performance["estimated"] = estimate_performance(
        scores, threshold, calibrated, estimate, n_draws, confidence, seed
    )
    if labels is not None:
        performance["realized"] = realized_performance(
            as_labels(labels, "labels", len(scores)),
            scores,
            threshold,
            score_kind,
            reference_metrics,
            n_resamples,
            confidence,
            seed,
        )
    return performance


def _rule(univariate_alpha: float, multivariate_alpha: float | None) -> str:
    """The dataset-level decision rule in words."""
    rule = f"drift when any column's Holm-adjusted p-value < {univariate_alpha:.3g}"
    if multivariate_alpha is not None:
        rule += f" or the domain classifier's p-value < {multivariate_alpha:.3g}"
    return rule + f" (false-alarm rate <= {univariate_alpha + (multivariate_alpha or 0):.3g})"


def to_json(report: dict) -> str:
    """The report as strict JSON text (raises on anything that is not JSON)."""
    return json.dumps(json_ready(report), indent=2, allow_nan=False)
