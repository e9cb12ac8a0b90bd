"""The Lightning MLP as a scikit-learn estimator: contract, determinism, early stopping,
persistence, config and real-data quality."""

from __future__ import annotations

import logging
import math
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from hydra.utils import instantiate
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler

from bankruptcy.data.polish import load_polish
from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.models.mlp import ACTIVATIONS, OPTIMIZER_NAMES, MLPClassifier
from bankruptcy.serving import trusted

# Small and fast, but able to fit sklearn's check datasets (accuracy > 0.83 on blobs).
FAST = dict(hidden_sizes=(16,), lr=1e-2, batch_size=32, max_epochs=20)


def fast_mlp(**params) -> MLPClassifier:
    """A quick-to-train MLP; `params` override `FAST`."""
    return MLPClassifier(**{**FAST, **params})


def _learnable(n=600, seed=0):
    return make_classification(
        n_samples=n, n_features=8, n_informative=5, weights=[0.8], random_state=seed
    )


def test_import_config_and_pickle_do_not_load_torch_or_lightning_import_backend_does():
    code = """
import pickle, sys
from hydra.utils import instantiate
import bankruptcy.models
mlp = instantiate({"_target_": "bankruptcy.models.mlp.MLPClassifier", "hidden_sizes": [8]})
pickle.loads(pickle.dumps(mlp))  # what the joblib launcher does before fit
print(sorted(m for m in ("torch", "lightning") if m in sys.modules))
mlp.import_backend()  # what a job does before forking its fold workers
print(sorted(m for m in ("torch", "lightning") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "['lightning',", "'torch']"]


def test_clone_and_set_params_round_trip():
    mlp = MLPClassifier().set_params(hidden_sizes=[8, 4], lr=3e-3, class_weight="balanced")
    copy = clone(mlp)
    assert copy.get_params() == mlp.get_params()
    assert copy.get_params()["hidden_sizes"] == [8, 4]
    X, y = _learnable(200)
    fitted = clone(mlp.set_params(max_epochs=2)).fit(X, y)
    assert [m.out_features for m in fitted.network_ if isinstance(m, torch.nn.Linear)] == [8, 4, 1]
    assert not hasattr(clone(fitted), "network_")


def test_same_seed_same_probabilities_different_seed_different():
    X, y = _learnable()
    params = dict(FAST, max_epochs=5)
    rng_before = torch.random.get_rng_state()
    first = MLPClassifier(**params, random_state=3).fit(X, y).predict_proba(X)
    again = MLPClassifier(**params, random_state=3).fit(X, y).predict_proba(X)
    other = MLPClassifier(**params, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 1e-3
    # fit seeds torch in a forked generator: the caller's torch random stream is untouched
    assert torch.equal(torch.random.get_rng_state(), rng_before)


def test_early_stopping_stops_on_noise_and_restores_best_weights():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 10)), rng.integers(0, 2, 400)  # labels are pure noise
    params = dict(hidden_sizes=(64,), lr=1e-2, batch_size=32, random_state=0)
    stopped = MLPClassifier(**params, max_epochs=200, patience=5).fit(X, y)

    val = [h["val_loss"] for h in stopped.history_]
    assert stopped.n_epochs_ < 200
    assert stopped.n_epochs_ == stopped.best_epoch_ + 1 + 5  # stopped after `patience` epochs
    assert stopped.best_epoch_ == int(np.argmin(val))
    # Training is deterministic, so a run that ends at the best epoch holds the best weights.
    at_best = MLPClassifier(**params, max_epochs=stopped.best_epoch_ + 1, patience=None).fit(X, y)
    np.testing.assert_array_equal(stopped.predict_proba(X), at_best.predict_proba(X))


def test_history_has_one_row_per_epoch_and_train_loss_falls_on_learnable_data():
    X, y = _learnable()
    mlp = MLPClassifier(
        hidden_sizes=(32,), dropout=0.0, lr=3e-3, max_epochs=15, validation_fraction=0.0
    ).fit(X, y)
    assert [h["epoch"] for h in mlp.history_] == list(range(15)) and mlp.n_epochs_ == 15
    assert all(math.isnan(h["val_loss"]) for h in mlp.history_)
    assert mlp.best_epoch_ == 14
    train = np.array([h["train_loss"] for h in mlp.history_])
    assert train[-1] < 0.6 * train[0]
    assert np.mean(np.diff(train) < 0) >= 0.8


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_option_builds_its_torch_layer(activation):
    mlp = fast_mlp(activation=activation, max_epochs=1, validation_fraction=0.0)
    mlp.fit(*_learnable(100))
    assert type(mlp.network_[1]).__name__ == ACTIVATIONS[activation]


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_every_optimizer_option_lowers_the_training_loss(optimizer):
    mlp = fast_mlp(optimizer=optimizer, lr=1e-2, max_epochs=5, validation_fraction=0.0)
    mlp.fit(*_learnable(300))
    assert mlp.history_[-1]["train_loss"] < mlp.history_[0]["train_loss"]


def test_labels_any_two_classes_and_class_weighting():
    X, y01 = _learnable(400)
    y = np.where(y01 == 1, "failed", "alive")
    n_pos = int(y01.sum())
    params = dict(FAST, max_epochs=10, validation_fraction=0.0, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(**params, class_weight="balanced", pos_weight=2.0).fit(X, y)
    assert plain.classes_.tolist() == ["alive", "failed"]
    assert set(plain.predict(X)) <= {"alive", "failed"}
    assert plain.pos_weight_ == 1.0
    assert balanced.pos_weight_ == pytest.approx(2.0 * (400 - n_pos) / n_pos)
    # Weighting the rare class up moves probability mass towards it.
    assert balanced.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.05


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "relu6"}, "'activation' parameter of MLPClassifier must be a str among"),
        ({"hidden_sizes": [64, 0]}, "'hidden_sizes' parameter .* must be a list of positive ints"),
        ({"validation_fraction": 1.0}, r"'validation_fraction' .* in the range \[0.0, 1.0\)"),
        ({"class_weight": "auto"}, "'class_weight' parameter of MLPClassifier must be a str among"),
        ({"class_weight": {0: 1, 1: -2}}, "'class_weight' .* a positive weight per class"),
        ({"validation_fraction": 0.5, "max_epochs": 1}, "set validation_fraction=0"),
    ],
)
def test_bad_settings_give_one_line_errors(params, message):
    X, y = np.random.default_rng(0).normal(size=(5, 2)), np.array([0, 0, 0, 0, 1])
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)


def test_fit_is_quiet_writes_no_files_and_restores_global_state(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    fast_mlp(max_epochs=3).fit(*_learnable(200))
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # no banner, tips, deprecation warnings or progress bar
    assert list(tmp_path.iterdir()) == []  # no lightning_logs/ or checkpoints
    assert torch.get_num_threads() == threads
    assert logging.getLogger("lightning.pytorch").getEffectiveLevel() <= logging.INFO


def test_progress_bar_on_by_choice(capfd):
    fast_mlp(max_epochs=2, progress_bar=True).fit(*_learnable(200))
    shown = capfd.readouterr()
    assert "Epoch 1" in shown.out + shown.err  # rich bar on stdout, tqdm bar on stderr


def test_pipeline_with_sampler_saves_safely_and_pickles_without_trainer(tmp_path):
    X, y = _learnable(500)
    X = pd.DataFrame(X, columns=[f"Attr{i}" for i in range(X.shape[1])])
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("sampler", SMOTE(random_state=0)),
            ("model", fast_mlp(max_epochs=5, random_state=0)),
        ]
    ).set_output(transform="pandas")
    pipe.fit(X, y)
    assert pipe[-1].feature_names_in_.tolist() == X.columns.tolist()
    # the model package's format: skops, loading only trusted types
    digest = trusted.dump(pipe, tmp_path / "model.skops")
    loaded = trusted.load(tmp_path / "model.skops", digest)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    blob = pickle.dumps(pipe)
    assert b"lightning" not in blob and b"Trainer" not in blob


def test_config_instantiates_with_cli_overrides(make_config):
    cfg = make_config(["model=mlp", "model.hidden_sizes=[128,16]", "model.lr=3e-3", "seed=7"])
    mlp = build_pipeline(cfg)[-1]
    assert isinstance(mlp, MLPClassifier)
    assert mlp.hidden_sizes == [128, 16] and type(mlp.hidden_sizes) is list
    assert mlp.lr == pytest.approx(3e-3) and mlp.random_state == 7
    assert not mlp.progress_bar


def test_config_lists_every_hyperparameter_with_the_class_defaults(make_config):
    from_config = instantiate(make_config(["model=mlp"]).model, _convert_="all").get_params()
    defaults = MLPClassifier().get_params()
    assert from_config.pop("random_state") == 42  # ${seed}
    assert from_config.pop("hidden_sizes") == list(defaults.pop("hidden_sizes"))
    defaults.pop("random_state")
    assert from_config == defaults


def test_polish_year1_mlp_in_the_league_of_logistic_regression(data_dir):
    ds = load_polish(year=1, data_dir=data_dir)
    # Stratified half (3,513 rows, 135 bankrupt) to fit, the other half to score.
    X_fit, X_val, y_fit, y_val = train_test_split(
        ds.X, ds.y, train_size=0.5, stratify=ds.y, random_state=0
    )

    def holdout_auc(model):
        pipe = make_pipeline(
            SimpleImputer(strategy="median"),
            # the ratios are extremely heavy-tailed: map them to normal scores for both models
            QuantileTransformer(output_distribution="normal", random_state=0),
            StandardScaler(),
            model,
        ).set_output(transform="pandas")
        pipe.fit(X_fit, y_fit)
        return roc_auc_score(y_val, pipe.predict_proba(X_val)[:, 1])

    mlp = holdout_auc(MLPClassifier(max_epochs=60, random_state=0))
    logistic = holdout_auc(LogisticRegression(max_iter=2000))
    assert mlp > 0.75
    assert mlp >= logistic - 0.03


@pytest.mark.slow
def test_job_logs_mlp_loss_curves_in_its_own_wandb_run(compose, tmp_path):
    from bankruptcy.experiment.job import JobInfo, run_job
    from tests.wandb_offline import read_offline_run, wandb_run_dirs

    cfg = compose(
        [
            "model=mlp",
            "model.max_epochs=6",
            "protocol.n_splits=2",
            "logger=wandb",
            "interpret=none",
            "plots=none",
            "bootstrap=none",
        ]
    )
    out = tmp_path / "job"
    metrics = run_job(cfg, JobInfo(out, name="mlp"))
    assert metrics["cv/roc_auc"] > 0.75
    (run_dir,) = wandb_run_dirs(out)  # one run: the curves did not open a second one
    history = read_offline_run(run_dir)["history"]
    for fold in (0, 1):
        rows = [r for r in history if f"curve/fold{fold}/train_loss" in r]
        assert 1 <= len(rows) <= 6
        assert all(math.isfinite(r[f"curve/fold{fold}/val_loss"]) for r in rows)
    assert not list(out.rglob("*.ckpt")) and not list(out.rglob("lightning_logs"))
