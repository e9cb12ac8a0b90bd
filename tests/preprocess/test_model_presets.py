"""Each model option selects the preset that fits its family; an explicit choice still wins."""

from __future__ import annotations

from functools import cache

import pytest

from tests.conftest import compose_config

PASSTHROUGH = "bankruptcy.pipeline.assembly.passthrough"
TREES = ["decision_tree", "random_forest", "gradient_boosting"]


@cache  # composing takes ~0.2 s; the reference presets are compared many times
def _composed(overrides: tuple[str, ...]) -> dict:
    return {step: node["_target_"] for step, node in compose_config(overrides).preprocess.items()}


def _steps(overrides):
    """The ``_target_`` of each preprocessing step of the composed config."""
    return _composed(tuple(overrides))


@pytest.mark.parametrize("model", TREES)
def test_tree_models_get_the_trees_preset(model):
    steps = _steps([f"model={model}"])
    assert steps == _steps(["model=logistic", "preprocess=trees"])
    assert steps["transform"] == steps["scaler"] == PASSTHROUGH
    assert steps["imputer"] != PASSTHROUGH and steps["indicator"] != PASSTHROUGH


@pytest.mark.parametrize("model", ["svm", "mlp"])
def test_linear_kernel_and_neural_models_keep_the_default_preset(model):
    steps = _steps([f"model={model}"])
    assert steps == _steps(["model=logistic"]) == _steps(["model=logistic", "preprocess=default"])
    assert steps["transform"].endswith("QuantileTransformer")


@pytest.mark.parametrize("model", ["gradient_boosting", "xgboost"])
def test_an_explicit_preprocess_on_the_command_line_wins(model):
    explicit = "preprocess=default"
    for overrides in ([explicit, f"model={model}"], [f"model={model}", explicit]):
        assert _steps(overrides) == _steps(["model=logistic", explicit])


def test_one_step_on_the_command_line_changes_only_that_step_of_the_models_preset():
    one_step = _steps(["model=gradient_boosting", "preprocess/scaler=standard"])
    assert one_step == {**_steps(["model=gradient_boosting"]), "scaler": one_step["scaler"]}
    assert one_step["scaler"] == "sklearn.preprocessing.StandardScaler"
