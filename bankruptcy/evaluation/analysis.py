"""Analyses run after the protocol: threshold choice, confidence intervals, plots, interpretation.

Keys added to ``metrics.json`` (all computed on the test rows unless said):

- ``threshold``: the decision threshold chosen by the ``threshold`` config group on the
  out-of-fold scores of the training rows (never test rows); ``threshold_default``: the
  model's own rule (0.5 for probabilities, 0 for decision scores) that ``test/<m>`` uses.
- ``test/<m>@threshold``: each label metric (f1, precision, recall, ...) at the chosen threshold.
- ``test/<m>_ci_low`` / ``test/<m>_ci_high`` and ``test/<m>@threshold_ci_low`` / ``_ci_high``:
  stratified-bootstrap percentile interval (``bootstrap`` group: resamples, confidence).
- ``analysis_seconds``: time spent here (plots and interpretation included).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from hydra.utils import instantiate

from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.bootstrap import Bootstrap, batch_metric
from bankruptcy.evaluation.plots import EvaluationData

log = logging.getLogger(__name__)


def choose_threshold(selector, result) -> float:
    """Apply `selector` to the out-of-fold training scores only (unscored rows skipped)."""
    scored = np.isfinite(result.oof_scores)
    return selector.select(result.y_train[scored], result.oof_scores[scored], result.score_kind)


def metrics_at_threshold(names, result, threshold: float) -> dict[str, float]:
    """``test/<m>@threshold`` for the label metrics among `names`."""
    labels = [n for n in names if M.METRICS[n].needs == "label"]
    values = M.compute(labels, result.y_test, result.test_scores, result.score_kind, threshold)
    return {f"test/{name}@threshold": value for name, value in values.items()}


def confidence_intervals(
    boot: Bootstrap, names, result, threshold: float, suffix: str = ""
) -> dict[str, float]:
    """Bootstrap interval keys of the `names` metrics at `threshold` on the test rows.

    Probability metrics are skipped for decision scores (their point value is NaN).
    """
    usable = [n for n in names if M.METRICS[n].needs != "proba" or result.score_kind == "proba"]
    scores = np.asarray(result.test_scores, dtype=float)
    intervals = boot.intervals(
        result.y_test, scores, scores >= threshold, {n: batch_metric(n) for n in usable}
    )
    out = {}
    for name, (low, high) in intervals.items():
        out[f"test/{name}{suffix}_ci_low"] = low
        out[f"test/{name}{suffix}_ci_high"] = high
    return out


def evaluation_data(result, threshold: float, subtitle: str) -> EvaluationData:
    """The arrays the evaluation figures need, taken from an `ExperimentResult`."""
    y = result.dataset.y.to_numpy()
    scored = np.isfinite(result.oof_scores)
    return EvaluationData(
        folds=[(y[f.val_rows], f.scores) for f in result.folds],
        test=(result.y_test, result.test_scores),
        oof=(result.y_train[scored], result.oof_scores[scored]),
        score_kind=result.score_kind,
        threshold=threshold,
        default_threshold=M.DEFAULT_THRESHOLD[result.score_kind],
        subtitle=subtitle,
    )


def model_name(pipeline) -> str:
    """Class name of the final estimator, with the wrapped model for wrappers (calibration)."""
    model = pipeline[-1]
    inner = getattr(model, "estimator", None)
    name = type(model).__name__
    return f"{name}({type(inner).__name__})" if inner is not None else name


def run_analyses(result, cfg, output_dir: Path, tracker) -> dict[str, float]:
    """Run the configured analyses of `result`; return the metrics they add.

    Parameters
    ----------
    result : ExperimentResult
        Output of `run_experiment`.
    cfg : DictConfig
        Composed experiment with ``metrics``, ``threshold``, ``bootstrap``,
        ``plots`` and ``interpret`` nodes.
    output_dir : Path
        The job's output folder (figures go to ``plots/``, tables to ``interpret/``).
    tracker : Tracker
        The job's tracking run.
    """
    start = time.perf_counter()
    names = list(cfg.metrics.names)
    kind = result.score_kind
    threshold = choose_threshold(instantiate(cfg.threshold), result)
    default = M.DEFAULT_THRESHOLD[kind]
    out = {"threshold": threshold, "threshold_default": default}
    out.update(metrics_at_threshold(names, result, threshold))

    boot = instantiate(cfg.bootstrap)
    out.update(confidence_intervals(boot, names, result, default))
    labels = [n for n in names if M.METRICS[n].needs == "label"]
    out.update(confidence_intervals(boot, labels, result, threshold, suffix="@threshold"))

    subtitle = f"{result.dataset.name} · {model_name(result.pipeline)}"
    figures = instantiate(cfg.plots).make(
        evaluation_data(result, threshold, subtitle), Path(output_dir) / "plots"
    )
    for kind_name, path in figures.items():
        tracker.log_image(f"plots/{kind_name}", path)

    out.update(instantiate(cfg.interpret).run(result, Path(output_dir), tracker, subtitle))
    out["analysis_seconds"] = time.perf_counter() - start
    log.info(
        "threshold %.4g (default %.4g); analyses took %.1f s",
        threshold,
        default,
        out["analysis_seconds"],
    )
    return out
