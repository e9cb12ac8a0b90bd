"""Analyses run after the protocol: threshold choice, confidence intervals, plots, interpretation.

Keys added to ``metrics.json`` (all computed on the test rows unless said):

- ``threshold``: the decision threshold chosen by the ``threshold`` config group on the
  out-of-fold scores of the training rows (never test rows); ``threshold_default``: the
  model's own rule (0.5 for probabilities, 0 for decision scores) that ``test/<m>`` uses.
- ``test/<m>@threshold``: each label metric (f1, precision, recall, ...) at the chosen threshold.
- ``test/<m>_ci_low`` / ``test/<m>_ci_high`` and ``test/<m>@threshold_ci_low`` / ``_ci_high``:
  stratified-bootstrap percentile interval (``bootstrap`` group: resamples, confidence).
- ``<stage>/mean_pd``, ``<stage>/observed_rate`` (with ``_ci_low``/``_ci_high``),
  ``<stage>/mean_pd_pvalue``, ``<stage>/calibration_intercept``, ``<stage>/calibration_slope``,
  ``<stage>/calibration_pvalue`` (`bankruptcy.evaluation.pd_validation`) for PDs, with stage
  ``cv`` (the out-of-fold PDs of the training rows, each row once) and ``test``.
- ``test/<m>_<h>y``: with a horizon target, each horizon's metrics on the test rows whose
  label is observed (`bankruptcy.evaluation.horizons`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.bootstrap import Bootstrap, batch_metric
from bankruptcy.evaluation.charts import make_charts
from bankruptcy.evaluation.horizons import horizon_evaluation
from bankruptcy.evaluation.pd_validation import calibration_statistics
from bankruptcy.evaluation.plots import EvaluationData, PlotMaker

log = logging.getLogger(__name__)


def choose_threshold(selector, result) -> float:
    """Apply `selector` to the out-of-fold training scores only."""
    return selector.select(result.oof_y, result.oof_scores, result.score_kind)


def metrics_at_threshold(names, result, threshold: float) -> dict[str, float]:
    """``test/<m>@threshold`` for the label metrics among `names`."""
    values = M.compute(
        M.label_metrics(names), result.y_test, result.test_scores, result.score_kind, threshold
    )
    return {f"test/{name}@threshold": value for name, value in values.items()}


def confidence_intervals(
    boot: Bootstrap, names, result, threshold: float, suffix: str = ""
) -> dict[str, float]:
    """Bootstrap interval keys of the `names` metrics at `threshold` on the test rows.

    Probability metrics are skipped for decision scores (their point value is NaN).
    """
    scores = np.asarray(result.test_scores, dtype=float)
    intervals = boot.intervals(
        result.y_test,
        scores,
        scores >= threshold,
        {n: batch_metric(n) for n in M.usable(names, result.score_kind)},
    )
    out = {}
    for name, (low, high) in intervals.items():
        out[f"test/{name}{suffix}_ci_low"] = low
        out[f"test/{name}{suffix}_ci_high"] = high
    return out


def calibration_keys(result) -> dict[str, float]:
    """``cv/`` and ``test/`` calibration statistics of PDs; none for decision scores.

    The CV stage takes each training row's first out-of-fold PD: with repeated CV a row has
    one per round, and counting it again would overstate the evidence of the tests.
    """
    if result.score_kind is not M.ScoreKind.PROBA:
        return {}
    _, first = np.unique(result.oof_rows, return_index=True)
    stages = {
        "cv": (result.oof_y[first], result.oof_scores[first]),
        "test": (result.y_test, result.test_scores),
    }
    return {
        f"{stage}/{name}": value
        for stage, (y, pd) in stages.items()
        for name, value in calibration_statistics(y, pd).items()
    }


def evaluation_data(result, threshold: float, subtitle: str) -> EvaluationData:
    """The arrays the evaluation figures need, taken from an `ExperimentResult`."""
    y = result.dataset.y.to_numpy()
    return EvaluationData(
        folds=[(y[f.val_rows], f.scores) for f in result.folds],
        test=(result.y_test, result.test_scores),
        oof=(result.oof_y, result.oof_scores),
        score_kind=result.score_kind,
        threshold=threshold,
        subtitle=subtitle,
    )


def model_name(pipeline) -> str:
    """Class name of the final estimator, with the wrapped model for wrappers (calibration)."""
    model = pipeline[-1]
    inner = getattr(model, "estimator", None)
    name = type(model).__name__
    return f"{name}({type(inner).__name__})" if inner is not None else name


@dataclass
class Analyses:
    """Everything a job computes after the protocol, from already built parts.

    Parameters
    ----------
    metric_names : list of str
        Metrics of the registry to report.
    threshold : selector
        ``select(y, scores, score_kind) -> float`` (``bankruptcy.evaluation.threshold``).
    bootstrap : Bootstrap
        Confidence intervals of the test metrics.
    plots : PlotMaker
        Evaluation figures; the same kinds also become native W&B charts
        (``bankruptcy.evaluation.charts``).
    interpretation : Interpretation or NoInterpretation
        Importances, SHAP, partial dependence (``bankruptcy.interpret.interpretation``).
    """

    metric_names: list[str]
    threshold: object
    bootstrap: Bootstrap
    plots: PlotMaker
    interpretation: object

    def __post_init__(self) -> None:
        # a typo in an option stops the job before any data is read
        self.metric_names = M.check_names(self.metric_names)
        self.plots.check()

    def run(self, result) -> Artifacts:
        """Analyse `result` (an `ExperimentResult`); return the keys, figures and tables added."""
        names = self.metric_names
        default = result.score_kind.default_threshold
        threshold = choose_threshold(self.threshold, result)
        out = Artifacts(metrics={"threshold": threshold, "threshold_default": default})
        out.metrics.update(metrics_at_threshold(names, result, threshold))
        out.metrics.update(calibration_keys(result))
        out.metrics.update(confidence_intervals(self.bootstrap, names, result, default))
        out.metrics.update(
            confidence_intervals(
                self.bootstrap, M.label_metrics(names), result, threshold, suffix="@threshold"
            )
        )
        subtitle = f"{result.dataset.name} · {model_name(result.pipeline)}"
        data = evaluation_data(result, threshold, subtitle)
        out.figures.update(self.plots.make(data))
        out.charts.update(make_charts(self.plots.kinds, data))
        out.add(horizon_evaluation(result, figures=bool(self.plots.kinds)))
        out.add(self.interpretation.run(result, subtitle))
        log.info("threshold %.4g (default %.4g)", threshold, default)
        return out
