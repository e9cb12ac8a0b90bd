"""Every public model of `bankruptcy.models` passes scikit-learn's estimator checks.

Users import these classes into their own pipelines: labels of any two values, the width and
column names checked at predict time, lists and other array-likes, unfitted use refused. The
instances are small (a tiny MLP, few boosting rounds) so the checks stay in the fast layer.
"""

from __future__ import annotations

import lightgbm
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import bankruptcy.models
from bankruptcy.models.altman import AltmanZ
from bankruptcy.models.ebm import ExplainableBoosting
from bankruptcy.models.ensemble import StackingEnsemble, VotingEnsemble
from bankruptcy.models.mlp import MLPClassifier
from bankruptcy.models.monotone import Monotone
from bankruptcy.models.scorecard import Scorecard
from tests.estimator_checks import (
    CONCEPTS,
    ONE_COLUMN,
    expected_cases,
    fails_for_its_reason,
    public_estimator_classes,
    reasons,
)

BASE = [
    ("logistic", LogisticRegression()),
    ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
]
MODELS = [
    AltmanZ(CONCEPTS),
    StackingEnsemble(BASE, cv=2, random_state=0),
    VotingEnsemble(BASE),
    VotingEnsemble(BASE, average="rank"),
    # a validation split with early stopping and the best epoch restored, as configured
    MLPClassifier(hidden_sizes=(8,), lr=5e-2, batch_size=256, max_epochs=10, patience=3),
    Monotone(lightgbm.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=1)),  # auto signs
    Monotone(HistGradientBoostingClassifier(max_iter=20), {"x0": 1}),
    Scorecard(),
    # few rounds and one bag: the checks fit it dozens of times
    ExplainableBoosting(interactions=2, outer_bags=1, max_rounds=50, early_stopping_rounds=10),
]
EXPECTED = {AltmanZ: ONE_COLUMN}


@parametrize_with_checks(MODELS, expected_failed_checks=reasons(EXPECTED), xfail_strict=True)
def test_models_follow_the_scikit_learn_estimator_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    ("estimator", "check", "expected", "generator"), expected_cases(MODELS, EXPECTED)
)
def test_a_check_expected_to_fail_fails_for_its_reason_only(estimator, check, expected, generator):
    fails_for_its_reason(estimator, check, expected, generator)


def test_every_public_model_is_checked():
    assert public_estimator_classes(bankruptcy.models) == {type(m) for m in MODELS}


@pytest.fixture(scope="module")
def labelled():
    """Two informative columns; labels 0/1 and the same rows labelled in words."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(400, 2)), columns=["x0", "x1"])
    y = (X["x0"] + 0.5 * rng.normal(size=400) > 1).astype(int)
    return X, y, np.where(y == 1, "failed", "alive")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_words_as_labels_give_the_same_scores_as_0_1_with_the_positive_class_second(
    model, labelled
):
    X, y, words = labelled
    numbers, named = seeded(model).fit(X, y), seeded(model).fit(X, words)
    assert list(named.classes_) == ["alive", "failed"]  # sorted: "failed" is classes_[1]
    method = "predict_proba" if hasattr(numbers, "predict_proba") else "decision_function"
    np.testing.assert_allclose(getattr(named, method)(X), getattr(numbers, method)(X))
    expected = np.where(numbers.predict(X) == 1, "failed", "alive")
    np.testing.assert_array_equal(named.predict(X), expected)


def seeded(model):
    """An unfitted copy of `model` with every seed (its own, its parts') set to 0."""
    copy = clone(model)
    return copy.set_params(**{k: 0 for k in copy.get_params() if k.endswith("random_state")})
