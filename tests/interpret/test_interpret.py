"""Interpretation on real data: real attributes and descriptions, additive SHAP values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from bankruptcy.data.polish import DESCRIPTIONS
from bankruptcy.interpret.features import model_input
from bankruptcy.interpret.interpretation import Interpretation, NoInterpretation
from bankruptcy.interpret.shap_values import explain
from bankruptcy.tracking.base import NullTracker


class SpyTracker(NullTracker):
    """Records what is logged."""

    def __init__(self):
        self.tables, self.images = {}, {}

    def log_table(self, key, frame):
        self.tables[key] = frame

    def log_image(self, key, path, caption=None):
        self.images[key] = path


@pytest.fixture(scope="module")
def interpreted(polish_gb, tmp_path_factory):
    out = tmp_path_factory.mktemp("interpret")
    tracker = SpyTracker()
    small = Interpretation(n_repeats=2, shap_rows=300, pdp_features=2, pdp_rows=150, seed=0)
    assert small.run(polish_gb, out, tracker, "polish_year1 · test") == {}
    return out, tracker


def test_top_factors_are_real_attributes_with_their_uci_descriptions(interpreted):
    out, tracker = interpreted
    perm = pd.read_csv(out / "interpret" / "permutation_importance.csv")
    top = perm.head(5)
    assert top["feature"].str.fullmatch(r"Attr\d+").all()
    assert (top["description"] == top["feature"].map(DESCRIPTIONS)).all()
    assert (top["importance_mean"] > 0).all()
    assert perm["importance_std"].notna().all()

    factors = pd.read_csv(out / "interpret" / "company_factors.csv")
    assert factors["company"].nunique() == 5
    # the reported companies are the highest-risk ones and their factors push toward bankruptcy
    assert (factors["contribution"] > 0).all()
    assert factors["score"].min() > 0.5
    named = factors["value_of"].str.fullmatch(r"Attr\d+")
    assert named.all()
    for _, row in factors.iterrows():
        assert DESCRIPTIONS[row["value_of"]] in row["description"]
    assert set(tracker.tables) >= {
        "interpret/permutation_importance",
        "interpret/shap_importance",
        "interpret/company_factors",
    }


def test_figures_are_written_and_logged(interpreted):
    out, tracker = interpreted
    for name in ("permutation_importance", "shap_summary", "company_factors", "partial_dependence"):
        path = out / "plots" / f"{name}.png"
        assert path.read_bytes()[:4] == b"\x89PNG", name
        assert tracker.images[f"plots/{name}"] == path


def test_tree_shap_values_add_up_to_the_model_log_odds(polish_gb):
    rows = model_input(polish_gb.pipeline, polish_gb.X_test.iloc[:200])
    background = model_input(polish_gb.pipeline, polish_gb.X_train.iloc[:50])
    expl = explain(polish_gb.pipeline[-1], rows, background)
    assert expl.explainer == "TreeExplainer"
    assert expl.output == "log-odds of bankruptcy"
    raw = polish_gb.pipeline.decision_function(polish_gb.X_test.iloc[:200])
    np.testing.assert_allclose(expl.base + expl.values.sum(axis=1), raw, atol=1e-6)
    assert np.abs(expl.values).sum() > 0


def _synthetic(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    y = (X["a"] - X["b"] + rng.normal(scale=0.5, size=n) > 1).astype(int)
    return X, y


def test_linear_shap_values_add_up_to_the_decision_function():
    X, y = _synthetic()
    model = LogisticRegression().fit(X, y)
    expl = explain(model, X.iloc[:40], X.iloc[40:120])
    assert expl.explainer == "LinearExplainer"
    np.testing.assert_allclose(
        expl.base + expl.values.sum(axis=1), model.decision_function(X.iloc[:40]), atol=1e-6
    )
    # a is the strongest positive driver, b the strongest negative one
    assert np.argmax(np.abs(expl.values).mean(axis=0)) in (0, 1)


def test_model_agnostic_shap_values_add_up_to_the_probability():
    X, y = _synthetic()
    model = KNeighborsClassifier(15).fit(X, y)
    expl = explain(model, X.iloc[:30], X.iloc[100:140], agnostic_rows=10)
    assert expl.explainer == "PermutationExplainer"
    assert len(expl.data) == 10
    assert expl.output == "probability of bankruptcy"
    np.testing.assert_allclose(
        expl.base + expl.values.sum(axis=1), model.predict_proba(X.iloc[:10])[:, 1], atol=1e-6
    )


def test_no_interpretation_does_nothing(polish_gb, tmp_path):
    tracker = SpyTracker()
    assert NoInterpretation().run(polish_gb, tmp_path, tracker) == {}
    assert not any(tmp_path.iterdir()) and not tracker.tables and not tracker.images


def test_partial_dependence_matches_scikit_learn_brute_force(polish_gb):
    from sklearn.inspection import partial_dependence

    from bankruptcy.interpret.partial_dependence import pd_curves

    X = polish_gb.X_train.iloc[:80]
    (curve,) = pd_curves(polish_gb.pipeline, X, ["Attr46"], grid_resolution=6)
    reference = partial_dependence(
        polish_gb.pipeline, X, ["Attr46"], custom_values={"Attr46": curve["grid"]}, method="brute"
    )
    np.testing.assert_allclose(curve["average"], reference["average"][0], rtol=1e-10)


def test_permutation_table_shuffles_only_the_requested_columns(polish_gb):
    from bankruptcy.interpret.importance import permutation_table

    X, y = polish_gb.X_test.iloc[:400], polish_gb.y_test[:400]
    table = permutation_table(
        polish_gb.pipeline, X, y, DESCRIPTIONS, 2, columns=["Attr27", "Attr1"]
    )
    assert set(table["feature"]) == {"Attr27", "Attr1"}
    assert table["feature"].iloc[0] == "Attr27"  # the dominant attribute on this data
