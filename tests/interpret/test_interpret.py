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


@pytest.fixture(scope="module")
def interpreted(polish_gb):
    small = Interpretation(n_repeats=2, shap_rows=300, pdp_features=2, pdp_rows=150, seed=0)
    found = small.run(polish_gb, "polish_year1 · test")
    assert not found.metrics
    return found


def test_top_factors_are_real_attributes_with_their_uci_descriptions(interpreted):
    perm = interpreted.tables["permutation_importance"]
    top = perm.head(5)
    assert top["feature"].str.fullmatch(r"Attr\d+").all()
    assert (top["description"] == top["feature"].map(DESCRIPTIONS)).all()
    assert (top["importance_mean"] > 0).all()
    assert perm["importance_std"].notna().all()

    factors = interpreted.tables["company_factors"]
    assert factors["company"].nunique() == 5
    # the reported companies are the highest-risk ones and their factors push toward bankruptcy
    assert (factors["contribution"] > 0).all()
    assert factors["score"].min() > 0.5
    named = factors["value_of"].str.fullmatch(r"Attr\d+")
    assert named.all()
    for _, row in factors.iterrows():
        assert DESCRIPTIONS[row["value_of"]] in row["description"]
    assert set(interpreted.tables) >= {"permutation_importance", "shap_importance"}


def test_every_table_has_a_figure_and_the_figures_show_data(interpreted):
    assert set(interpreted.figures) == set(interpreted.tables) - {"shap_importance"} | {
        "shap_summary",
        "partial_dependence",
    }
    for name, fig in interpreted.figures.items():
        drawn = [ax for ax in fig.axes if ax.patches or ax.lines or ax.collections]
        assert drawn and all(ax.get_xlabel() or ax.get_ylabel() for ax in drawn), name


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


def test_no_interpretation_does_nothing(polish_gb):
    found = NoInterpretation().run(polish_gb)
    assert not (found.metrics or found.tables or found.figures)


def test_partial_dependence_grid_sits_at_quantiles_and_averages_the_pipeline(polish_gb):
    from bankruptcy.interpret.partial_dependence import pd_curves

    X = polish_gb.X_train.iloc[:80]
    (curve,) = pd_curves(polish_gb.pipeline, X, ["Attr46"], grid_resolution=6)
    column = X["Attr46"].to_numpy()
    np.testing.assert_allclose(curve["grid"], np.nanquantile(column, np.linspace(0.05, 0.95, 6)))
    # the first grid point, by hand: every row with Attr46 set to it, through the pipeline
    pinned = X.assign(Attr46=curve["grid"][0])
    by_hand = polish_gb.pipeline.predict_proba(pinned)[:, 1].mean()
    assert curve["average"][0] == pytest.approx(by_hand)


def test_permutation_table_shuffles_only_the_requested_columns(polish_gb):
    from bankruptcy.interpret.importance import permutation_table

    X, y = polish_gb.X_test.iloc[:400], polish_gb.y_test[:400]
    table = permutation_table(
        polish_gb.pipeline, X, y, DESCRIPTIONS, 2, columns=["Attr27", "Attr1"]
    )
    assert set(table["feature"]) == {"Attr27", "Attr1"}
    assert table["feature"].iloc[0] == "Attr27"  # the dominant attribute on this data
