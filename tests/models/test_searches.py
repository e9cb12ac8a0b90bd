"""The Optuna search spaces of the boosted models compose, and every searched key is a
constructor parameter that the model accepts at both ends of its range."""

from __future__ import annotations

import importlib.util
import inspect
import re

import pytest
from hydra import compose, initialize_config_dir

from bankruptcy.experiment.builder import component
from tests.conftest import CONF_DIR

pytest.importorskip("hydra_plugins.hydra_optuna_sweeper", reason="extra: bankruptcy[optuna]")

# the EBM's 18 dry fits (one per end of each range) take ~30 s: in the slow layer
SEARCHES = ["lightgbm", "xgboost", "catboost", pytest.param("ebm", marks=pytest.mark.slow)]
BOUNDS = re.compile(r"interval\(([^,]+),\s*([^)]+)\)")


def search_config(model: str, overrides=()):
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        return compose(
            "config",
            overrides=[f"hparams_search={model}_optuna", *overrides],
            return_hydra_config=True,
        )


def ends(spec: str) -> list[str]:
    """Values at both ends of a searched range, or the options of a choice."""
    if spec.startswith("choice("):
        return [v.strip().strip("'") for v in spec[len("choice(") : -1].split(",")]
    low, high = BOUNDS.search(spec).groups()
    cast = int if "int(" in spec else float
    return [str(cast(float(low))), str(cast(float(high)))]


@pytest.mark.slow  # each search composed and every value of its space built: ~30 s
@pytest.mark.parametrize("model", SEARCHES)
def test_search_space_holds_constructor_parameters_of_its_model(model):
    if model == "catboost" and importlib.util.find_spec("catboost") is None:
        pytest.skip("optional extra: pip install 'bankruptcy[catboost]'")
    cfg = search_config(model)
    assert cfg.hydra.sweeper.study_name == model
    assert cfg.hydra.runtime.choices["model"] == model
    params = cfg.hydra.sweeper.params
    target = component("model", cfg.model)
    accepted = set(inspect.signature(type(target)).parameters) | set(target.get_params())
    assert len(params) >= 5
    for key, spec in params.items():
        name = key.removeprefix("model.")
        assert name in accepted, key
        for value in ends(spec):
            estimator = component("model", search_config(model, [f"{key}={value}"]).model)
            got = estimator.get_params().get(name)  # CatBoost lists only the params it was given
            assert same(got, value), (key, value, got)


def same(got, value: str) -> bool:
    """Whether the estimator's parameter `got` is the override `value` (``null`` -> None)."""
    if value == "null":
        return got is None
    try:
        return float(got) == pytest.approx(float(value))
    except (TypeError, ValueError):
        return got == value
