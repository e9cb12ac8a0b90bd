"""Stacking and voting ensembles of model options: base models from their own YAML, clear errors,
out-of-fold meta-learning, and a leak-free job on real data."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from bankruptcy.core.errors import UserError
from bankruptcy.data.polish import load_polish
from bankruptcy.experiment.builder import build_pipeline, component
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.models.ensemble import StackingEnsemble

NO_ANALYSES = ["interpret=none", "plots=none", "bootstrap=none", "logger=none"]
# quick bases: 30 trees each
FAST = [
    "model.base=[lightgbm,xgboost]",
    "model.candidates.lightgbm.n_estimators=30",
    "model.candidates.xgboost.n_estimators=30",
]


@pytest.fixture(scope="module")
def rows(data_dir):
    """2,000 random rows of Polish year 1 (the file lists the bankrupt firms last), missing values
    filled (the default preset would impute)."""
    data = load_polish(1, data_dir=data_dir)
    pick = np.random.default_rng(0).permutation(len(data.y))[:2000]
    return data.X.iloc[pick].fillna(0.0).to_numpy(), data.y.iloc[pick].to_numpy()


def built(compose, overrides, kind="stacking"):
    """The ensemble of `kind` as the builder makes it (base models built and checked)."""
    return component("model", compose([f"model={kind}", *overrides]).model)


def test_base_models_come_from_their_own_yaml_with_overrides(compose, rows):
    lightgbm_yaml = compose(["model=lightgbm"]).model
    stacking = built(compose, [*FAST, "model.candidates.lightgbm.num_leaves=5", "seed=3"])
    stacking.fit(*rows)
    fitted = stacking.named_estimators_["lightgbm"]
    assert fitted.num_leaves == 5 and lightgbm_yaml.num_leaves != 5  # the override
    assert fitted.learning_rate == lightgbm_yaml.learning_rate  # everything else: lightgbm.yaml
    assert fitted.random_state == 3  # ${seed} resolved in the candidate's own config
    assert list(stacking.named_estimators_) == ["lightgbm", "xgboost"]


def test_only_the_chosen_base_models_are_built(compose):
    voting = built(compose, ["model.base=[logistic,random_forest]"], "voting")
    assert [(name, type(m).__name__) for name, m in voting.estimators] == [
        ("logistic", "LogisticRegression"),
        ("random_forest", "RandomForestClassifier"),
    ]


@pytest.mark.parametrize(
    "base, message",
    [
        ("[lightgbm,xgbost]", "unknown model 'xgbost'; valid base models: catboost, decision_tree"),
        ("[]", "model.base is empty"),
        ("[lightgbm,lightgbm]", "names a model twice"),
    ],
)
@pytest.mark.parametrize("kind", ["stacking", "voting"])
def test_bad_base_lists_are_one_line_user_errors_when_built(kind, base, message, compose):
    with pytest.raises(UserError, match=message) as error:
        built(compose, [f"model.base={base}"], kind)
    assert "\n" not in str(error.value)


def test_soft_voting_rejects_a_base_without_probabilities_when_built(compose):
    with pytest.raises(UserError, match=r"model.base=\[svm,logistic\]: .* \['svm'\], without"):
        built(compose, ["model.base=[svm,logistic]"], "voting")


def test_meta_learner_is_trained_on_out_of_fold_scores(compose, rows):
    X, y = rows
    stacking = built(compose, [*FAST, "model.cv=4"])
    stacking.fit(X, y)
    # Rebuild the meta-learner's inputs by hand: each base model's out-of-fold probabilities
    # over the same internal folds. Fitted on in-sample scores the coefficients would differ.
    folds = stacking.ensemble_.cv
    assert folds.n_splits == 4 and folds.shuffle
    oof = np.column_stack(
        [
            cross_val_predict(clone(base), X, y, cv=folds, method="predict_proba")[:, 1]
            for _, base in stacking.ensemble_.estimators
        ]
    )
    by_hand = LogisticRegression(C=stacking.C).fit(oof, y)
    np.testing.assert_allclose(stacking.ensemble_.final_estimator_.coef_, by_hand.coef_, rtol=1e-4)
    in_sample = np.column_stack([m.predict_proba(X)[:, 1] for m in stacking.ensemble_.estimators_])
    leaky = LogisticRegression(C=stacking.C).fit(in_sample, y)
    assert not np.allclose(leaky.coef_, by_hand.coef_, rtol=0.05)


def test_voting_averages_the_base_probabilities(compose, rows):
    X, y = rows
    voting = built(compose, [*FAST, "model.weights=[3,1]"], "voting").fit(X, y)
    bases = voting.named_estimators_
    expected = (3 * bases["lightgbm"].predict_proba(X) + bases["xgboost"].predict_proba(X)) / 4
    np.testing.assert_allclose(voting.predict_proba(X), expected)


def test_rank_voting_averages_each_base_models_quantiles(compose, rows):
    X, y = rows
    fit_rows, new_rows = slice(0, 1500), slice(1500, None)
    voting = built(compose, [*FAST, "model.average=rank", "model.weights=[3,1]"], "voting")
    voting.fit(X[fit_rows], y[fit_rows])
    assert not hasattr(voting, "predict_proba")  # quantiles are no probabilities
    quantiles = []
    for base in voting.ensemble_.estimators_:
        reference = base.predict_proba(X[fit_rows])[:, 1]
        new = base.predict_proba(X[new_rows])[:, 1]
        below = (reference[None, :] < new[:, None]).sum(axis=1)
        at_most = (reference[None, :] <= new[:, None]).sum(axis=1)
        quantiles.append((below + at_most) / (2 * len(reference)))
    expected = (3 * quantiles[0] + quantiles[1]) / 4 - (1 - y[fit_rows].mean())
    np.testing.assert_allclose(voting.decision_function(X[new_rows]), expected)
    flagged = voting.predict(X[new_rows]).mean()
    assert 0.2 * y.mean() < flagged < 5 * y.mean()  # about the bankrupt share, not half


def test_unknown_voting_average_is_a_user_error_when_built(compose):
    with pytest.raises(UserError, match="model.average=median: The 'average' parameter of Vot"):
        built(compose, [*FAST, "model.average=median"], "voting")


@pytest.mark.slow
def test_stacking_job_on_real_data_beats_floor_and_learns_nothing_from_shuffled_labels(
    compose, data_dir, tmp_path
):
    settings = ["model=stacking", *FAST, "preprocess=none", "protocol.n_splits=3", *NO_ANALYSES]
    real = run_job(compose(settings), JobInfo(tmp_path / "real"))
    assert real["cv/roc_auc"] >= 0.90  # measured 0.927

    # Same rows and features, labels permuted: anything above chance would be leakage.
    data = load_polish(1, data_dir=data_dir)
    shuffled = data.X.assign(label=np.random.default_rng(0).permutation(data.y.to_numpy()))
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    noise = run_job(
        compose(
            [
                *settings,
                "dataset=csv",
                f"dataset.path={tmp_path / 'shuffled.csv'}",
                "dataset.target=label",
                "dataset.positive=1",
            ]
        ),
        JobInfo(tmp_path / "noise"),
    )
    assert abs(noise["cv/roc_auc"] - 0.5) < 0.06  # measured 0.487, 0.524, 0.511 (3 shuffles)


def test_stacking_pickles_inside_the_pipeline(compose, rows):
    pipeline = build_pipeline(compose(["model=stacking", *FAST]))
    X = pd.DataFrame(rows[0], columns=[f"Attr{i}" for i in range(1, 65)])
    pipeline.fit(X, rows[1])
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.predict_proba(X[:100]), pipeline.predict_proba(X[:100]))
    assert isinstance(pipeline[-1], StackingEnsemble)
