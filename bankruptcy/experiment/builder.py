"""Turn a composed config into the experiment's objects: the one place that instantiates.

Everything the config names is built here, checked before any data is read (unknown
options, values scikit-learn's own validation refuses), and handed to Hydra-free code:
`bankruptcy.evaluation` runs the protocol and the analyses, `bankruptcy.experiment.outputs` writes.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hydra.errors import InstantiationException
from hydra.utils import get_object, instantiate
from imblearn.pipeline import Pipeline
from omegaconf import DictConfig, OmegaConf

from bankruptcy.core.errors import UserError
from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation.analysis import Analyses
from bankruptcy.evaluation.calibration import (
    IsotonicCalibration,
    NoCalibration,
    PlattCalibration,
    ScoreCalibrator,
)
from bankruptcy.evaluation.protocol import Split
from bankruptcy.experiment.combinations import Parts, check_combinations
from bankruptcy.experiment.options import (
    check_option_names,
    refused,
    validate_call,
    validate_parameters,
)
from bankruptcy.horizons.history import with_history
from bankruptcy.horizons.targets import Ever
from bankruptcy.models import monotone
from bankruptcy.pipeline.assembly import assemble, history_lags, without_idle_panel_steps
from bankruptcy.recourse.constraints import Actionability

log = logging.getLogger(__name__)

#: Keys of an ensemble's config: the model options it combines (`MEMBERS`, by name) and the
#: unbuilt configs they are chosen from (`CANDIDATES`); the built ones reach it as `estimators`.
MEMBERS, CANDIDATES = "base", "candidates"


@dataclass
class Experiment:
    """The built parts of one experiment."""

    dataset: Dataset
    split: Split
    pipeline: Pipeline
    analyses: Analyses
    tracker: object
    calibration: ScoreCalibrator
    actionability: Actionability


def build_experiment(
    cfg: DictConfig,
    dataset: Dataset | None = None,
    overrides: Sequence[str] = (),
    choices: Mapping[str, str] | None = None,
) -> Experiment:
    """Build every part `cfg` describes; the data is read last, once the options passed.

    Parameters
    ----------
    cfg : DictConfig
        A composed ``conf/config.yaml``.
    dataset : Dataset, optional
        Data to use instead of loading ``cfg.dataset`` (retraining on new rows).
    overrides : sequence of str
        The command line's overrides: unchosen ensemble candidates they change are checked too.
    choices : mapping, optional
        Hydra's chosen option per config group, to name them in messages (``sampler=smote``).
    """
    pipeline = build_pipeline(cfg, overrides)
    calibration = build_calibration(cfg.calibration)
    analyses = build_analyses(cfg)
    tracker = build_tracker(cfg.logger)
    protocol = component("protocol", cfg.protocol)
    actionability = build_actionability(cfg)
    target = build_target(cfg)
    parts = Parts(pipeline, calibration, analyses, protocol, target)
    check_combinations(cfg, parts, dataset, choices or {}, actionability)
    dataset = prepare_data(cfg, pipeline, target, dataset)
    split = protocol.split(dataset)
    return Experiment(dataset, split, pipeline, analyses, tracker, calibration, actionability)


def prepare_data(cfg: DictConfig, pipeline: Pipeline, target, dataset: Dataset | None) -> Dataset:
    """The experiment's rows: loaded (or given), with the history the pipeline reads
    (`bankruptcy.horizons.history`), labelled by the target. On data without firms and
    periods, the pipeline's ``features=auto`` step is switched off."""
    dataset = build_dataset(cfg.dataset) if dataset is None else dataset
    without_idle_panel_steps(pipeline, dataset.time is not None and dataset.groups is not None)
    if history_lags(pipeline):
        dataset = with_history(dataset, history_lags(pipeline))
    return target.prepare(dataset)


def build_split(cfg: DictConfig, dataset: Dataset | None = None) -> tuple[Dataset, Split]:
    """The data of `cfg` (or `dataset`), labelled by its target, and its protocol's split, for
    tools that fit by hand."""
    protocol = component("protocol", cfg.protocol)
    dataset = prepare_data(cfg, build_pipeline(cfg), build_target(cfg), dataset)
    return dataset, protocol.split(dataset)


def build_dataset(node: DictConfig) -> Dataset:
    """Load the data a ``dataset`` config names (its options checked first)."""
    return component("dataset", node)


def build_actionability(cfg: DictConfig) -> Actionability:
    """What recourse plans may change (``recourse``; configs written before it: defaults)."""
    node = OmegaConf.select(cfg, "recourse")
    return Actionability() if node is None else component("recourse", node)


def build_target(cfg: DictConfig):
    """The ``target`` (`bankruptcy.horizons.targets`); configs saved before the group existed
    (a champion's, retrained) keep the dataset's own label."""
    node = OmegaConf.select(cfg, "target")
    return Ever() if node is None else component("target", node)


def build_tracker(node: Mapping):
    """The tracker a ``logger`` config names (`bankruptcy.tracking`)."""
    return component("logger", node)


def build_pipeline(cfg: DictConfig, overrides: Sequence[str] = ()) -> Pipeline:
    """Preprocessing steps, then the sampler, then the model.

    Every step is built from its ``_target_`` config and its options checked (see `component`);
    so are the ensemble candidates `overrides` change that the model does not use.
    """
    steps = [(name, component(f"preprocess.{name}", node)) for name, node in cfg.preprocess.items()]
    steps.append(("sampler", component("sampler", cfg.sampler)))
    steps.append(("model", component("model", cfg.model)))
    for name in unused_candidates(cfg.model, overrides):
        component(f"model.{CANDIDATES}.{name}", cfg.model[CANDIDATES][name])
    return assemble(steps)


#: ``calibration`` targets of configs written before calibration maps (e.g. a champion's, when
#: it is retrained), and the map that now does what they were chosen for.
LEGACY_CALIBRATION = {
    "bankruptcy.evaluation.calibration.uncalibrated": lambda node: NoCalibration(),
    "sklearn.calibration.CalibratedClassifierCV": lambda node: (
        IsotonicCalibration() if node.get("method") == "isotonic" else PlattCalibration()
    ),
}


def build_calibration(node: DictConfig | Mapping) -> ScoreCalibrator:
    """The map from the model's scores to PDs a ``calibration`` config names, checked.

    Raises
    ------
    UserError
        When the config names something that is not a calibration map.
    """
    legacy = LEGACY_CALIBRATION.get(node.get("_target_"))
    if legacy is not None:
        built = legacy(node)
        log.warning("calibration: %s of an older config -> %r", node.get("_target_"), built)
        return built
    built = component("calibration", node)
    if not isinstance(built, ScoreCalibrator):
        raise UserError(
            f"calibration: {node.get('_target_')} is not a calibration map; choose "
            "calibration=beta|sigmoid|isotonic|none (bankruptcy.evaluation.calibration)"
        )
    return built


def build_analyses(cfg: DictConfig) -> Analyses:
    """The post-protocol analyses: metrics, threshold, bootstrap, figures, interpretation."""
    return Analyses(
        metric_names=list(cfg.metrics.names),
        threshold=component("threshold", cfg.threshold),
        bootstrap=component("bootstrap", cfg.bootstrap),
        plots=component("plots", cfg.plots),
        interpretation=component("interpret", cfg.interpret),
    )


def component(path: str, node: DictConfig | Mapping, *args):
    """Instantiate the ``_target_`` config `node` at `path` (e.g. ``"model"``), checked.

    A mandatory option left unset (``???``), an option its target does not take, or a value
    its library refuses (`bankruptcy.experiment.options.validate_parameters`) raises a
    `UserError` naming ``<path>.<option>=<value>``; so does a `UserError` its target raises.
    An ensemble's config (`MEMBERS` and `CANDIDATES`) gets its chosen members built, and
    checked, first.
    """
    if isinstance(node, DictConfig) and OmegaConf.missing_keys(node):
        key = sorted(OmegaConf.missing_keys(node))[0]
        raise UserError(f"{path}.{key} is not set (???); give it, e.g. {path}.{key}=<value>")
    options = dict(node) if isinstance(node, dict) else OmegaConf.to_container(node, resolve=True)
    built_members, given_members, names = {}, {}, {}
    if CANDIDATES in options:
        options = dict(options)
        chosen, candidates = options.pop(MEMBERS, ()), options.pop(CANDIDATES)
        built_members["estimators"] = members(path, chosen, candidates)
        given_members[MEMBERS], names["estimators"] = chosen, MEMBERS
    # `monotone` on a model that takes no such option (a booster) wraps it in the constraints
    constraints = options.pop(monotone.KEY, None) if _wrapped_by_monotone(options) else None
    check_option_names(path, {**options, **built_members})
    validate_call(path, options)
    try:
        built = instantiate(options, *args, **built_members, _convert_="all")
    except InstantiationException as error:
        if isinstance(error.__cause__, UserError):  # it names the problem and the fix
            raise error.__cause__ from None
        raise
    validate_parameters(path, built, {**options, **given_members}, names)
    if constraints is None:
        return built
    wrapped = monotone.Monotone(built, constraints)
    refused(path, wrapped, {monotone.KEY: constraints}, wrapped._validate_params)
    return wrapped


def _wrapped_by_monotone(options: Mapping) -> bool:
    """Whether `options` set ``monotone`` for a target without that parameter (a booster)."""
    if monotone.KEY not in options or "_target_" not in options:
        return False
    try:
        parameters = inspect.signature(get_object(options["_target_"])).parameters
    except (TypeError, ValueError):
        return False
    return monotone.KEY not in parameters


def members(path: str, names, candidates: Mapping) -> list[tuple[str, object]]:
    """``(name, estimator)`` for each model option `names` chooses among `candidates`, built.

    Raises
    ------
    UserError
        When `names` is empty, repeats a name or names a model that is not a candidate.
    """
    valid = ", ".join(sorted(candidates))
    if not names:
        raise UserError(f"{path}.{MEMBERS} is empty; name two or more of: {valid}")
    for name in names:
        if name not in candidates:
            raise UserError(f"{path}.{MEMBERS}: unknown model {name!r}; valid base models: {valid}")
    if len(set(names)) < len(names):
        raise UserError(f"{path}.{MEMBERS}={list(names)} names a model twice")
    return [(name, component(f"{path}.{CANDIDATES}.{name}", candidates[name])) for name in names]


def unused_candidates(node: Mapping, overrides: Sequence[str]) -> list[str]:
    """The ensemble candidates outside ``model.base`` that `overrides` change.

    They are built only to be checked: a mistake in them is a mistake on the command line
    (e.g. a sweep over ``model.base`` that includes them in other jobs), and building just
    these imports no other library.
    """
    candidates = node.get(CANDIDATES) or {}
    chosen = set(node.get(MEMBERS) or ())
    keys = {override.lstrip("+~").partition("=")[0] for override in overrides}
    prefix = f"model.{CANDIDATES}."
    changed = {key.removeprefix(prefix).partition(".")[0] for key in keys if key.startswith(prefix)}
    return [name for name in candidates if name in changed - chosen]
