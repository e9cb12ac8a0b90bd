"""Build the leak-free imbalanced-learn pipeline of an experiment from its config."""

from __future__ import annotations

from hydra.utils import instantiate
from imblearn.pipeline import Pipeline
from omegaconf import DictConfig


def build_pipeline(cfg: DictConfig) -> Pipeline:
    """Preprocessing steps, then the sampler, then the model, all from `_target_` configs.

    Everything fitted in the pipeline (imputers, scalers, selectors, the
    sampler) sees only the rows passed to ``fit``: the protocol passes
    training rows only, and samplers run in ``fit`` only, never in
    ``predict``.

    Parameters
    ----------
    cfg : DictConfig
        Composed experiment with ``preprocess`` (ordered step-name -> config),
        ``sampler`` and ``model`` nodes.
    """
    steps = [(name, instantiate(node, _convert_="all")) for name, node in cfg.preprocess.items()]
    steps.append(("sampler", instantiate(cfg.sampler, _convert_="all")))
    model = instantiate(cfg.model, _convert_="all")
    # calibration=none returns the model; sigmoid/isotonic wrap it (their CV sees fit rows only)
    steps.append(("model", instantiate(cfg.calibration, model, _convert_="all")))
    return Pipeline(steps).set_output(transform="pandas")


def passthrough() -> str:
    """The "off" option of a preprocessing step (``_target_`` of ``<step>/none.yaml``).

    Pipelines skip a ``"passthrough"`` step entirely, so a step that is off costs nothing
    (an identity transformer would still validate and copy the data at every fit).
    """
    return "passthrough"


def model_input_features(pipeline: Pipeline, X) -> list[str]:
    """Names of the columns that reach the model of a fitted `pipeline`, given sample rows `X`.

    Samplers only act in ``fit``, so like ``predict`` this skips them.
    """
    rows = X.iloc[:2]
    for _, step in pipeline.steps[:-1]:
        if hasattr(step, "transform"):
            rows = step.transform(rows)
    return [str(c) for c in rows.columns]
