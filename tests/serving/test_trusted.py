"""The reviewed trusted-types list covers every pipeline the configs build; nothing else loads."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.serving import trusted
from tests.conftest import compose_config
from tests.helpers import CONF_DIR

MODELS = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))
SAMPLERS = sorted(p.stem for p in (CONF_DIR / "sampler").glob("*.yaml"))
# panel features need firm-year rows with history columns: their own test below
PANEL = "preprocess/features=panel"
STEPS = sorted(
    f"preprocess/{p.parent.name}={p.stem}"
    for p in (CONF_DIR / "preprocess").glob("*/*.yaml")
    if f"preprocess/{p.parent.name}={p.stem}" != PANEL
)
# options that would be slow at their defaults, cut down: what is saved has the same types
FAST = {
    "mlp": ["model.max_epochs=2"],
    "stacking": ["model.cv=2"],
    "random_forest": ["model.n_estimators=5"],
    "ebm": ["model.max_rounds=30", "model.interactions=[[Attr1,Attr2]]"],
}


@pytest.fixture(scope="module")
def sample(ratios):
    """Made-up Polish-shaped rows: gaps, infinities, duplicates (`tests.helpers.ratio_frame`)."""
    return ratios


def saved_and_loaded(overrides, sample, tmp_path):
    X, y = sample
    pipeline = build_pipeline(compose_config(["logger=none", *overrides])).fit(X, y)
    path = tmp_path / "model.skops"
    loaded = trusted.load(path, trusted.dump(pipeline, path))
    return pipeline, loaded, X


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_every_model_option_saves_and_loads_with_the_same_scores(model, sample, tmp_path):
    overrides = [f"model={model}", *FAST.get(model, [])]
    pipeline, loaded, X = saved_and_loaded(overrides, sample, tmp_path)
    score = "predict_proba" if hasattr(pipeline, "predict_proba") else "decision_function"
    np.testing.assert_array_equal(getattr(loaded, score)(X), getattr(pipeline, score)(X))


def step_rounds() -> list[list[str]]:
    """Every preprocessing option in a few pipelines: round k takes each step's k-th option.

    Which types a fitted step holds does not depend on the other steps, so one pipeline can
    cover an option of every step; the imputer stays on where a step leaves NaN for the model.
    """
    by_step: dict[str, list[str]] = {}
    for option in STEPS:
        by_step.setdefault(option.partition("=")[0], []).append(option)
    rounds = max(len(options) for options in by_step.values())
    return [[opts[k] for opts in by_step.values() if k < len(opts)] for k in range(rounds)]


@pytest.mark.parametrize("option", [f"sampler={s}" for s in SAMPLERS])
def test_every_sampler_saves_and_loads(option, sample, tmp_path):
    pipeline, loaded, X = saved_and_loaded([option, "model=logistic"], sample, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


@pytest.mark.parametrize("options", step_rounds(), ids=lambda o: ",".join(o))
def test_every_preprocessing_option_saves_and_loads(options, sample, tmp_path):
    # imputer=none leaves NaN: a NaN-tolerant model then (HistGradientBoosting)
    model = "model=gradient_boosting" if "preprocess/imputer=none" in options else "model=logistic"
    overrides = [*options, model, "model.max_iter=10"]
    pipeline, loaded, X = saved_and_loaded(overrides, sample, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_the_rounds_cover_every_preprocessing_option():
    covered = [option for options in step_rounds() for option in options]
    assert sorted(covered) == sorted(STEPS)


class Sneaky(ClassifierMixin, BaseEstimator):
    """A class no reviewed list names: loading it could run its code."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self


def test_a_type_outside_the_list_is_refused_in_one_line(tmp_path):
    path = tmp_path / "model.skops"
    digest = trusted.dump(Sneaky().fit([[0.0]], [0]), path)
    with pytest.raises(trusted.UntrustedModel, match="does not trust.*Sneaky") as error:
        trusted.load(path, digest)
    assert "\n" not in str(error.value)


def test_a_modified_file_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "model.skops"
    digest = trusted.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(trusted.UntrustedModel, match="SHA-256 .* differs .*modified"):
        trusted.load(path, digest)


def test_panel_features_save_and_load(tmp_path):
    from bankruptcy.horizons.history import add_history
    from tests.helpers import firm_years

    panel = firm_years()
    items = ["X1", "X2", "X3", "X4"]
    X = add_history(panel[items], panel["firm"], panel["year"], items, 1)
    y = (panel["status"] == "failed").astype(int)
    overrides = [PANEL, "preprocess.features.ratios={r: 'X1 / X2'}", "model=logistic"]
    pipeline = build_pipeline(compose_config(["logger=none", *overrides])).fit(X, y)
    path = tmp_path / "model.skops"
    loaded = trusted.load(path, trusted.dump(pipeline, path))
    assert "r_change" in pipeline[:-1].get_feature_names_out()
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))
