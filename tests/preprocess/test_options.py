"""Every preprocessing option and preset composes, builds, runs, and learns from training rows only.

The leakage check fits the pipeline twice on the same training rows, once with the held-out
rows of the frame replaced by wild values (scaled by up to 1e6, extra gaps and infinities).
Every fitted statistic of every step (medians, clip limits, quantiles, selected columns, scaler
parameters, removed-row counts) and every training-row output must be byte-identical, and a
held-out row must get the same output alone as in a batch of wild rows.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.interpret.features import model_input
from bankruptcy.pipeline.assembly import model_input_features

PREPROCESS = Path(__file__).resolve().parents[2] / "conf" / "preprocess"
# panel features need firm-year rows carrying history: tests/horizons/test_panel.py
OPTIONS = sorted(
    f"{p.parent.name}={p.stem}"
    for p in PREPROCESS.glob("*/*.yaml")
    if f"{p.parent.name}={p.stem}" != "features=panel"
)
PRESETS = sorted(p.stem for p in PREPROCESS.glob("*.yaml"))
STEPS = [
    "dedup", "features", "clean", "indicator", "clip", "transform", "imputer",
    "outlier_rows", "scaler", "select",
]  # fmt: skip
# The prior-only dummy model costs nothing and accepts missing values (imputer=none); what is
# under test is the preprocessing in front of it.
FAST_MODEL = ["model=dummy"]


@pytest.fixture(scope="module")
def frames(ratios):
    """(X, X_wild, y, train, held): X_wild = X with the held-out rows replaced by wild values."""
    X, y = ratios
    train, held = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=0)
    rng = np.random.default_rng(0)
    factors = rng.choice([-1e6, -1e3, 1e3, 1e6], size=(len(held), X.shape[1]))
    wild = X.iloc[held].to_numpy() * factors
    wild[rng.random(wild.shape) < 0.2] = np.nan
    wild[rng.random(wild.shape) < 0.02] = np.inf
    X_wild = X.copy()
    X_wild.iloc[held] = wild
    return X, X_wild, y, np.sort(train), np.sort(held)


def fitted_state(pipeline) -> dict[str, bytes]:
    """Each step's fitted attributes (names ending in ``_``, nested estimators whole), pickled."""
    return {
        name: pickle.dumps({k: v for k, v in sorted(vars(step).items()) if k.endswith("_")})
        for name, step in pipeline.steps[:-1]
        if step != "passthrough"
    }


def preprocess(pipeline, X) -> pd.DataFrame:
    """What reaches the sampler and model at predict time (samplers are skipped)."""
    return model_input(pipeline, X)


def tracked_names(cfg, X, y) -> list[str]:
    """Model-input column names as pandas output between every step carries them along."""
    with_frames = build_pipeline(cfg).set_output(transform="pandas").fit(X, y)
    return [str(c) for c in with_frames[:-2].transform(X.iloc[:2]).columns]


@pytest.mark.parametrize("option", OPTIONS)
def test_every_step_option_runs_and_learns_from_training_rows_only(make_config, frames, option):
    group, choice = option.split("=")
    cfg = make_config([f"preprocess/{group}={choice}", *FAST_MODEL])
    X, X_wild, y, train, held = frames
    clean = build_pipeline(cfg).fit(X.iloc[train], y.iloc[train])
    dirty = build_pipeline(cfg).fit(X_wild.iloc[train], y.iloc[train])

    names = model_input_features(clean, X)
    assert names == tracked_names(cfg, X.iloc[train], y.iloc[train])
    assert len(set(names)) == len(names) > 0

    assert fitted_state(clean) == fitted_state(dirty), "fitted statistics saw held-out rows"
    out_train = preprocess(clean, X.iloc[train])
    pd.testing.assert_frame_equal(out_train, preprocess(dirty, X_wild.iloc[train]))

    # Same output for a held-out row alone as inside a batch of wild rows: nothing is fitted
    # at transform time on the rows being scored.
    batch = pd.concat([X.iloc[held[:1]], X_wild.iloc[held[1:]]])
    alone = preprocess(clean, X.iloc[held[:1]])
    pd.testing.assert_frame_equal(alone, preprocess(clean, batch).iloc[:1])
    # The wild rows really changed the held-out outputs, and none was dropped at predict time.
    assert not preprocess(clean, X_wild.iloc[held]).equals(preprocess(clean, X.iloc[held]))
    assert len(clean.predict_proba(X_wild.iloc[held])) == len(held)


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_lists_all_steps_in_pipeline_order_and_runs(make_config, ratios, preset):
    cfg = make_config([f"preprocess={preset}", *FAST_MODEL])
    assert list(cfg.preprocess) == STEPS
    pipeline = build_pipeline(cfg).fit(*ratios)
    assert model_input_features(pipeline, ratios[0])


def test_default_preset_feeds_complete_inputs_with_missing_flags(make_config, ratios):
    """Models without native missing-value support (logistic, svm) get no NaN by default."""
    X, y = ratios
    pipeline = build_pipeline(make_config(["model=logistic"])).fit(X, y)
    out = preprocess(pipeline, X)
    assert not out.isna().any().any()
    assert {f"{c}_missing" for c in X.columns[X.isna().any()]} <= set(out.columns)


def _output(step) -> str:
    return getattr(step, "_sklearn_output_config", {}).get("transform", "default")


@pytest.mark.parametrize(
    ("overrides", "readers"),
    [
        ([], []),
        (["preprocess/features=altman"], ["features"]),
        (["model=altman_z"], ["model"]),
    ],
)
def test_only_steps_feeding_a_column_name_reader_output_dataframes(
    make_config, ratios, overrides, readers
):
    """Arrays between steps (cheaper); DataFrames only where concepts are evaluated by name."""
    pipeline = build_pipeline(make_config(overrides))
    names = [name for name, _ in pipeline.steps]
    last = max((names.index(r) for r in readers), default=0)
    for i, (name, step) in enumerate(pipeline.steps):
        if hasattr(step, "set_output"):
            assert _output(step) == ("pandas" if i < last else "default"), name
    X, y = ratios
    fitted = pipeline.fit(X, y)  # a reader given an array would raise PreprocessError
    assert len(model_input_features(fitted, X)) == fitted[-1].n_features_in_
    assert fitted.predict(X).shape == (len(X),)
