"""Turn a composed config into the experiment's objects: the one place that instantiates.

Everything the config names is built here, checked before any data is read (unknown
options, values scikit-learn's own validation refuses), and handed to Hydra-free code:
`bankruptcy.evaluation` runs the protocol and the analyses, `bankruptcy.outputs` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hydra.utils import instantiate
from imblearn.pipeline import Pipeline
from omegaconf import DictConfig, OmegaConf

from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation.analysis import Analyses
from bankruptcy.evaluation.protocol import Split
from bankruptcy.pipeline.build import assemble
from bankruptcy.pipeline.params import check_option_names, validate_parameters


@dataclass
class Experiment:
    """The built parts of one experiment."""

    dataset: Dataset
    split: Split
    pipeline: Pipeline
    analyses: Analyses
    tracker: object


def build_experiment(cfg: DictConfig, dataset: Dataset | None = None) -> Experiment:
    """Build every part `cfg` describes; the data is read last, once the options passed.

    Parameters
    ----------
    cfg : DictConfig
        A composed ``conf/config.yaml``.
    dataset : Dataset, optional
        Data to use instead of loading ``cfg.dataset`` (retraining on new rows).
    """
    pipeline = build_pipeline(cfg)
    analyses = build_analyses(cfg)
    tracker = instantiate(cfg.logger)
    if dataset is None:
        dataset = instantiate(cfg.dataset, _convert_="all")
    split = instantiate(cfg.protocol).split(dataset)
    return Experiment(dataset, split, pipeline, analyses, tracker)


def build_pipeline(cfg: DictConfig) -> Pipeline:
    """Preprocessing steps, then the sampler, then the (optionally calibrated) model.

    Every step is built from its ``_target_`` config and its options checked (see `component`).
    """
    steps = [(name, component(f"preprocess.{name}", node)) for name, node in cfg.preprocess.items()]
    steps.append(("sampler", component("sampler", cfg.sampler)))
    model = component("model", cfg.model)
    # calibration=none returns the model; sigmoid/isotonic wrap it (their CV sees fit rows only)
    steps.append(("model", component("calibration", cfg.calibration, model)))
    return assemble(steps)


def build_analyses(cfg: DictConfig) -> Analyses:
    """The post-protocol analyses: metrics, threshold, bootstrap, figures, interpretation."""
    return Analyses(
        metric_names=list(cfg.metrics.names),
        threshold=instantiate(cfg.threshold),
        bootstrap=instantiate(cfg.bootstrap),
        plots=instantiate(cfg.plots, _convert_="all"),
        interpretation=instantiate(cfg.interpret),
    )


def component(path: str, node: DictConfig, *args):
    """Instantiate the ``_target_`` config `node` at `path` (e.g. ``"model"``), checked.

    An option its target does not take, or a value scikit-learn's parameter validation
    refuses, raises a `UserError` naming ``<path>.<option>=<value>``.
    """
    options = OmegaConf.to_container(node, resolve=True)
    check_option_names(path, options)
    built = instantiate(node, *args, _convert_="all")
    validate_parameters(path, built, options)
    return built
