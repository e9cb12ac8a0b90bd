"""Options that are valid one by one but cannot work together, refused before any data is read.

- the objective needs probabilities and the model gives decision scores only;
- a threshold rule's options do not fit the model's scores (``threshold.value=2`` on
  probabilities);
- the protocol needs a time column and the dataset has none;
- a horizon target on data without firms and periods, a term structure on decision scores, a
  horizon whose label windows close after every validation period (look-ahead);
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
from dataclasses import dataclass

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
from bankruptcy.pipeline.assembly import history_lags

# cells of the probe rows left empty: a few per column, no column or row entirely
_GAP_EVERY = 7


@dataclass(frozen=True)
class Parts:
    """The built parts of an experiment whose options are checked together."""

    pipeline: object  # imblearn.pipeline.Pipeline
    calibration: object  # ScoreCalibrator: what the threshold and metrics read
    analyses: object  # Analyses: the threshold rule
    protocol: object
    target: object  # bankruptcy.horizons.targets


def check_combinations(
    cfg: DictConfig,
    parts: Parts,
    dataset: Dataset | None,
    choices: Mapping[str, str],
    actionability=None,
) -> None:
    """Refuse incompatible options among the built parts of `cfg` (see the module docstring).

    Parameters
    ----------
    cfg : DictConfig
        The composed experiment.
    parts : Parts
        Its built (unfitted) parts.
    dataset : Dataset or None
        The data given instead of ``cfg.dataset``, if any.
    choices : mapping
        Hydra's chosen option per config group, for the messages (may be empty).
    actionability : Actionability, optional
        Its ``recourse`` defaults (their names are the dataset's columns).
    """
    pipeline, protocol = parts.pipeline, parts.protocol
    kind = parts.calibration.output_kind(M.score_kind(pipeline))
    objective = OmegaConf.select(cfg, "objective")
    if objective and kind is M.ScoreKind.DECISION:
        check_objective_scores(objective, pipeline)
    threshold = parts.analyses.threshold
    if hasattr(threshold, "check_score_kind"):
        given = OmegaConf.to_container(cfg.threshold, resolve=True)
        refused("threshold", threshold, given, lambda: threshold.check_score_kind(kind))
    if getattr(protocol, "needs_time", False):
        check_time_column(cfg.dataset, dataset, _option(choices, "protocol", protocol))
    check_target(cfg.dataset, dataset, parts, kind, choices)
    check_named_columns(cfg.dataset, dataset, pipeline)
    if actionability is not None:
        _check_names("recourse", actionability.named_columns(), _columns(cfg.dataset, dataset))
    check_missing_values(pipeline, choices)


def check_target(node, dataset, parts: Parts, kind, choices: Mapping[str, str]) -> None:
    """Refuse a horizon target (or panel features) on data without firms and periods, a term
    structure without probabilities, and a walk-forward protocol none of whose validation
    windows closes in time."""
    target, protocol, pipeline = parts.target, parts.protocol, parts.pipeline
    name = _option(choices, "target", target)
    if getattr(target, "needs_panel", False) or history_lags(pipeline, optional=False):
        name = name if getattr(target, "needs_panel", False) else "preprocess/features=panel"
        if not _is_panel(node, dataset):
            raise UserError(
                f"{name} needs firm-year data (a firm and a time column) and the dataset has "
                "none; use target=ever, or dataset=american, or dataset=csv with "
                "dataset.group=<firm column> and dataset.time=<year column>"
            )
    if getattr(target, "needs_probabilities", False) and kind is not M.ScoreKind.PROBA:
        raise UserError(
            f"{name} needs probabilities (the yearly hazard) and the model gives decision "
            "scores only; calibrate them (calibration=beta) or choose a model with probabilities"
        )
    years = getattr(target, "main_years", None)
    first, last = getattr(protocol, "train_end", None), getattr(protocol, "valid_end", None)
    if years and first is not None and first + 1 + years > last:
        raise UserError(
            f"{name} with {_option(choices, 'protocol', protocol)}: no validation year in "
            f"({first}, {last}] has its {years}-year label window closed by valid_end={last} "
            f"(later windows are look-ahead, purged); set protocol.train_end<={last - 1 - years}"
        )


def check_named_columns(node: DictConfig, dataset: Dataset | None, pipeline) -> None:
    """Refuse model options naming columns the data lacks, when its columns are known.

    The model lists them (``named_columns()``: option -> column names); the columns are the
    given dataset's, or those its loader declares (``columns`` attribute, e.g. Polish
    ``Attr1..Attr64``). A pipeline that derives features (a ``features`` step) may create
    the names: the model's own ``fit`` refuses them then, in one line too.
    """
    model = pipeline.steps[-1][1]
    if hasattr(model, "named_columns") and not _derives_features(pipeline, node, dataset):
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


def _derives_features(pipeline, node: DictConfig, dataset: Dataset | None) -> bool:
    """Whether the pipeline's ``features`` step makes columns of its own on this data (a
    ``features=auto`` step steps aside on data without firms and periods)."""
    step = dict(pipeline.steps).get("features")
    if step is None or step == "passthrough":
        return False
    return not getattr(step, "panels_only", False) or _is_panel(node, dataset)


def _is_panel(node: DictConfig, dataset: Dataset | None) -> bool:
    """Whether the data has a firm and a time column (known from its config when not given)."""
    if dataset is not None:
        return dataset.time is not None and dataset.groups is not None
    return declares_time(node) and declares_group(node)


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


def declares_group(node: DictConfig) -> bool:
    """Whether a ``dataset`` config gives its rows a firm (group) column, known without its
    data: its ``group`` option, else its loader's ``group_column`` attribute."""
    loader = get_object(node["_target_"])
    if "group" in inspect.signature(loader).parameters:
        return node.get("group") is not None
    return getattr(loader, "group_column", None) is not None


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
