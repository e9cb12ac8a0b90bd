"""model.monotone: boosted trees whose PD never decreases along a +1 feature (never increases
along a -1 one), from the config through the pipeline; ``auto`` learns the signs in fit."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.models.monotone import Monotone
from bankruptcy.serving import trusted
from tests.conftest import compose_config

CATBOOST = pytest.mark.skipif(
    importlib.util.find_spec("catboost") is None,
    reason="optional extra: pip install 'bankruptcy[catboost]'",
)
# option -> override keeping it small
BOOSTERS = {
    "lightgbm": "model.n_estimators=60",
    "xgboost": "model.n_estimators=60",
    "gradient_boosting": "model.max_iter=60",
    "catboost": "model.iterations=60",
}
# CatBoost's monotone trees take ~10 s here even this small: in the slow layer
OPTIONS = [
    pytest.param(m, marks=[CATBOOST, pytest.mark.slow]) if m == "catboost" else m for m in BOOSTERS
]


def pd_along(model, rows: pd.DataFrame, feature: str, grid: np.ndarray) -> np.ndarray:
    """PD of each row (axis 0) as `feature` takes each grid value (axis 1), others fixed."""
    frames = pd.concat([rows.assign(**{feature: value}) for value in grid], ignore_index=True)
    return model.predict_proba(frames)[:, 1].reshape(len(grid), len(rows)).T


@pytest.mark.parametrize("model", OPTIONS)
def test_the_pd_follows_the_configured_signs_along_a_grid(model, ratios):
    X, y = ratios
    config = compose_config(
        ["logger=none", f"model={model}", BOOSTERS[model], "model.monotone={Attr1:1,Attr2:-1}"]
    )
    pipeline = build_pipeline(config).fit(X, y)
    rows = X.iloc[::40]
    grid = np.linspace(-6, 6, 41)
    rising = pd_along(pipeline, rows, "Attr1", grid)
    falling = pd_along(pipeline, rows, "Attr2", grid)
    assert np.all(np.diff(rising, axis=1) >= -1e-12)
    assert np.all(np.diff(falling, axis=1) <= 1e-12)
    assert np.ptp(rising) > 0  # the feature is used, not merely flat
    assert pipeline[-1].constraints_["Attr1"] == 1 and pipeline[-1].constraints_["Attr3"] == 0


@pytest.fixture(scope="module")
def wavy():
    """Risk rises with `a` (with a wave on top), falls with `b`; `c` is noise."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(2000, 3)), columns=["a", "b", "c"])
    logit = 2 * X["a"] - X["b"] + np.sin(3 * X["a"]) - 2.5
    return X, pd.Series((rng.random(2000) < 1 / (1 + np.exp(-logit))).astype(int))


def test_auto_takes_the_signs_of_the_training_rows_trends(wavy):
    import lightgbm

    X, y = wavy
    booster = lightgbm.LGBMClassifier(n_estimators=60, verbose=-1, n_jobs=1)
    grid = np.linspace(-3, 3, 121)
    free = Monotone(booster, {}).fit(X, y)
    assert np.any(np.diff(pd_along(free, X.head(20), "a", grid), axis=1) < 0)  # the wave
    auto = Monotone(booster, "auto").fit(X, y)
    assert auto.constraints_["a"] == 1 and auto.constraints_["b"] == -1
    assert np.all(np.diff(pd_along(auto, X.head(20), "a", grid), axis=1) >= -1e-12)
    # signs come from the rows fit sees: the same rows with `a` reversed get the other sign
    flipped = Monotone(booster, "auto").fit(X.assign(a=-X["a"]), y)
    assert flipped.constraints_["a"] == -1


def test_a_constrained_model_saves_and_loads(wavy, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = wavy
    model = Monotone(HistGradientBoostingClassifier(max_iter=30), {"a": 1}).fit(X, y)
    path = tmp_path / "model.skops"
    loaded = trusted.load(path, trusted.dump(model, path))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_column_the_rows_lack_is_one_line_at_fit(wavy):
    import lightgbm

    X, y = wavy
    with pytest.raises(Exception, match=r"model.monotone names \['z'\], which the model's input"):
        Monotone(lightgbm.LGBMClassifier(verbose=-1), {"z": 1}).fit(X, y)
