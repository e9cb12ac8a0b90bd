"""The leak-free imbalanced-learn pipeline of an experiment, from its built steps (Hydra-free)."""

from __future__ import annotations

from imblearn.pipeline import Pipeline

from bankruptcy.preprocess.concepts import ReadsColumnNames


def assemble(steps: list[tuple[str, object]]) -> Pipeline:
    """The leak-free pipeline of named `steps`: preprocessing steps, the sampler, the model.

    Everything fitted in the pipeline (imputers, scalers, selectors, the
    sampler) sees only the rows passed to ``fit``: the protocol passes
    training rows only, and samplers run in ``fit`` only, never in
    ``predict``.
    """
    return feed_column_names(Pipeline(steps))


def feed_column_names(pipeline: Pipeline) -> Pipeline:
    """Make the steps before the last step that reads columns by name output DataFrames.

    Other steps hand each other plain arrays: a pandas container around every step's output
    cost a third of a logistic-regression CV run on Polish year 1
    (``scripts/bench_framework_overhead.py``). The names of what reaches the model come from
    `model_input_features` instead.
    """
    readers = [i for i, (_, step) in enumerate(pipeline.steps) if reads_column_names(step)]
    for _, step in pipeline.steps[: readers[-1]] if readers else []:
        if hasattr(step, "set_output"):
            step.set_output(transform="pandas")
    return pipeline


def reads_column_names(step) -> bool:
    """Whether `step` (or the model a wrapper holds) evaluates column names."""
    return any(isinstance(s, ReadsColumnNames) for s in (step, getattr(step, "estimator", None)))


def passthrough() -> str:
    """The "off" option of a preprocessing step (``_target_`` of ``<step>/none.yaml``).

    Pipelines skip a ``"passthrough"`` step entirely, so a step that is off costs nothing
    (an identity transformer would still validate and copy the data at every fit).
    """
    return "passthrough"


def history_lags(pipeline: Pipeline, optional: bool = True) -> int:
    """Earlier statements the rows must carry for `pipeline` (its steps' ``history_lags``,
    e.g. panel features; 0 for none); without `optional`, only for the steps that refuse data
    without firms and periods (not ``panels_only``)."""
    return max(
        (
            getattr(step, "history_lags", 0)
            for _, step in pipeline.steps
            if optional or not getattr(step, "panels_only", False)
        ),
        default=0,
    )


def without_idle_panel_steps(pipeline: Pipeline, panel: bool) -> Pipeline:
    """`pipeline` with its ``panels_only`` steps (``features=auto``) turned into passthrough
    where they have nothing to work on: data without firms and periods (not `panel`), or no
    ratios to compute."""
    off = {
        name: "passthrough"
        for name, step in pipeline.steps
        if getattr(step, "panels_only", False) and not (panel and step.history_lags)
    }
    return pipeline.set_params(**off) if off else pipeline


def model_input_features(pipeline: Pipeline, X) -> list[str]:
    """Names of the columns that reach the model of a fitted `pipeline` given input rows `X`.

    Each step names its outputs from its inputs (``get_feature_names_out``); samplers, which
    only act in ``fit``, are skipped as ``predict`` skips them.
    """
    return [str(c) for c in pipeline[:-1].get_feature_names_out(list(X.columns))]
