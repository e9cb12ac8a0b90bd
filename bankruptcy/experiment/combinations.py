"""Options that are valid one by one but cannot work together, refused before any data is read.

- the objective needs probabilities and the model gives decision scores only;
- a threshold rule's options do not fit the model's scores (``threshold.value=2`` on
  probabilities);
- the protocol needs a time column and the dataset has none;
- the model's options name columns (``model.monotone``, a per-feature
  ``model.monotonic_trend``) that the dataset lacks (its loader declares its columns), and so
  do the recourse defaults (``recourse.immutable``, ``recourse.one_way``);
- a step cannot take missing values and no step before it fills them (an interpolating
  sampler on a preset that keeps NaN): found by passing a few synthetic rows with gaps
  through clones of the steps, so no step's own rules are copied here.

Each message names the options and the fix.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import numpy as np
from hydra.utils import get_object
from omegaconf import DictConfig, OmegaConf
from sklearn.base import clone

from bankruptcy.core.errors import UserError
from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation import metrics as M
from bankruptcy.evaluation.analysis import model_name
from bankruptcy.experiment.dryfit import first_line, probe_rows, silenced
from bankruptcy.experiment.options import refused

# cells of the probe rows left empty: a few per column, no column or row entirely
_GAP_EVERY = 7


def check_combinations(
    cfg: DictConfig,
    pipeline,
    calibration,
    analyses,
    protocol,
    dataset: Dataset | None,
    choices: Mapping[str, str],
    actionability=None,
) -> None:
    """Refuse incompatible options among the built parts of `cfg` (see the module docstring).

    Parameters
    ----------
    cfg : DictConfig
        The composed experiment.
    pipeline : imblearn.pipeline.Pipeline
        Its built (unfitted) pipeline.
    calibration : ScoreCalibrator
        Its map from the model's scores to PDs (what the threshold and metrics read).
    analyses : Analyses
        Its built analyses (the threshold rule).
    protocol : object
        Its built protocol.
    dataset : Dataset or None
        The data given instead of ``cfg.dataset``, if any.
    choices : mapping
        Hydra's chosen option per config group, for the messages (may be empty).
    actionability : Actionability, optional
        Its ``recourse`` defaults (their names are the dataset's columns).
    """
    kind = calibration.output_kind(M.score_kind(pipeline))
    objective = OmegaConf.select(cfg, "objective")
    if objective and kind is M.ScoreKind.DECISION:
        check_objective_scores(objective, pipeline)
    threshold = analyses.threshold
    if hasattr(threshold, "check_score_kind"):
        given = OmegaConf.to_container(cfg.threshold, resolve=True)
        refused("threshold", threshold, given, lambda: threshold.check_score_kind(kind))
    if getattr(protocol, "needs_time", False):
        check_time_column(cfg.dataset, dataset, _option(choices, "protocol", protocol))
    check_named_columns(cfg.dataset, dataset, pipeline)
    if actionability is not None:
        _check_names("recourse", actionability.named_columns(), _columns(cfg.dataset, dataset))
    check_missing_values(pipeline, choices)


def check_named_columns(node: DictConfig, dataset: Dataset | None, pipeline) -> None:
    """Refuse model options naming columns the data lacks, when its columns are known.

    The model lists them (``named_columns()``: option -> column names); the columns are the
    given dataset's, or those its loader declares (``columns`` attribute, e.g. Polish
    ``Attr1..Attr64``). A pipeline that derives features (a ``features`` step) may create
    the names: the model's own ``fit`` refuses them then, in one line too.
    """
    model = pipeline.steps[-1][1]
    if hasattr(model, "named_columns") and not _derives_features(pipeline):
        _check_names("model", model.named_columns(), _columns(node, dataset))


def _columns(node: DictConfig, dataset: Dataset | None) -> list[str] | None:
    """The given dataset's columns, or those its loader declares (None: unknown)."""
    if dataset is not None:
        return list(map(str, dataset.X.columns))
    return getattr(get_object(node["_target_"]), "columns", None)


def _check_names(path: str, named: Mapping[str, list[str]], columns: list[str] | None) -> None:
    """Refuse an option of `path` naming columns outside `columns` (nothing when unknown)."""
    if columns is None:
        return
    for option, names in named.items():
        unknown = sorted(set(names) - set(columns))
        if unknown:
            raise UserError(
                f"{path}.{option} names {', '.join(unknown)}, which the dataset lacks; its "
                f"columns: {', '.join(columns[:8])}{', ...' if len(columns) > 8 else ''}"
            )


def _derives_features(pipeline) -> bool:
    step = dict(pipeline.steps).get("features")
    return step is not None and step != "passthrough"


def check_objective_scores(objective: str, pipeline) -> None:
    """Refuse an objective metric that needs probabilities from a score-only model."""
    metric = M.METRICS.get(M.metric_of(objective))
    if metric is not None and metric.needs == "proba":
        raise UserError(
            f"objective={objective} needs probabilities and the model "
            f"({model_name(pipeline)}) gives decision scores only; calibrate them "
            "(calibration=beta) or optimise a ranking metric (e.g. objective=cv/pr_auc)"
        )


def check_time_column(node: DictConfig, dataset: Dataset | None, protocol: str) -> None:
    """Refuse a dataset without a time column for a protocol that splits by time."""
    has_time = dataset.time is not None if dataset is not None else declares_time(node)
    if not has_time:
        raise UserError(
            f"{protocol} needs a time column and the dataset has none; use "
            "protocol=holdout_cv, or data with one (dataset=american, or dataset=csv with "
            "dataset.time=<column>)"
        )


def declares_time(node: DictConfig) -> bool:
    """Whether a ``dataset`` config gives its rows a time column, known without its data.

    Its ``time`` option where the loader takes one (``dataset=csv``), else the column its
    loader always sets (the loader's ``time_column`` attribute, e.g. the American firm-years'
    ``year``).
    """
    loader = get_object(node["_target_"])
    if "time" in inspect.signature(loader).parameters:
        return node.get("time") is not None
    return getattr(loader, "time_column", None) is not None


def check_missing_values(pipeline, choices: Mapping[str, str]) -> None:
    """Refuse a step before the model that cannot take missing values none before it filled.

    Synthetic rows with a few gaps go through clones of the steps in order. A step that fails
    on them but runs once the gaps are filled is the problem; a step that fails either way
    (it needs the dataset's own columns, or more of them) is passed over.
    """
    X, y = _rows_with_gaps()
    with silenced():
        for name, step in pipeline.steps[:-1]:
            if step is None or step == "passthrough":
                continue
            try:
                X, y = _apply(step, X, y)
                continue
            except Exception as error:  # the step's library decides what it cannot take
                refusal = error
            if not np.isnan(X).any():
                continue
            try:
                _apply(step, np.nan_to_num(X), y)
            except Exception:  # fails without gaps too: not about missing values
                continue
            group = "sampler" if name == "sampler" else f"preprocess/{name}"
            raise UserError(
                f"{_option(choices, group, step)} cannot take missing values "
                f"({first_line(refusal)}) and no step before it fills them; add an imputer, "
                "e.g. preprocess/imputer=median"
            )


def _rows_with_gaps() -> tuple[np.ndarray, np.ndarray]:
    X, y = probe_rows()
    X = X.copy()
    X.flat[::_GAP_EVERY] = np.nan
    return X, y


def _apply(step, X, y) -> tuple[np.ndarray, np.ndarray]:
    """What a fitted clone of `step` hands on: resampled rows, or transformed ones."""
    step = clone(step)
    if hasattr(step, "fit_resample"):
        X, y = step.fit_resample(X, y)
    else:
        X = step.fit_transform(X, y)
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def _option(choices: Mapping[str, str], group: str, component) -> str:
    """``sampler=smote`` when Hydra's choice is known, else ``sampler (CappedNeighbors)``."""
    if group in choices:
        return f"{group}={choices[group]}"
    return f"{group} ({type(component).__name__})"
