"""model=ebm (`bankruptcy.models.ebm`): the fast scoring path equals InterpretML's own, the
contributions add up to the log-odds, the shapes are monotone where asked, edits change what
they say, the shape table is the model. Data-free: made-up Polish-shaped rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from bankruptcy.experiment.builder import build_pipeline
from bankruptcy.interpret.features import model_input
from bankruptcy.models.ebm import LIBRARY_ROWS, ExplainableBoosting
from bankruptcy.models.monotone import column_signs
from bankruptcy.preprocess.checks import PreprocessError
from tests.conftest import compose_config
from tests.models.test_monotone import pd_along

# few boosting rounds and explicit pairs (the library's search over all 2,016 pairs of 64
# columns is most of a small fit's time)
FAST = ["model=ebm", "model.max_rounds=30", "model.interactions=[[Attr1,Attr2],[Attr3,Attr21]]"]
SMALL = {"max_rounds": 30, "interactions": [["Attr1", "Attr2"], ["Attr3", "Attr21"]]}


@pytest.fixture(scope="module")
def fitted(ratios):
    """The model=ebm pipeline fitted on the made-up rows, and its model-input rows."""
    X, y = ratios
    pipeline = build_pipeline(compose_config(["logger=none", *FAST])).fit(X, y)
    return pipeline, model_input(pipeline, X)


@pytest.fixture(scope="module")
def clean(ratios):
    """The first 24 made-up ratios (gaps in Attr21..Attr24), infinities as gaps."""
    X, y = ratios
    return X.iloc[:, :24].replace([np.inf, -np.inf], np.nan), y


def test_the_config_builds_the_model_with_a_preset_that_keeps_missing_values(fitted):
    pipeline, rows = fitted
    assert isinstance(pipeline[-1], ExplainableBoosting)
    assert rows.isna().any().any()  # nothing imputed: the EBM bins missing values itself
    assert pipeline[-1].get_params()["n_jobs"] == 1


def test_fast_scoring_equals_the_librarys_own(fitted):
    pipeline, rows = fitted
    model = pipeline[-1]
    values = rows.to_numpy(np.float64)
    expected = model.ebm_.decision_function(values)
    assert len(rows) >= LIBRARY_ROWS  # the whole batch takes the library's path
    # one row, a few rows, a batch below the library's path, all rows
    for n in (1, 2, 3, 40, len(rows)):
        found = model.decision_function(rows.iloc[:n])
        np.testing.assert_allclose(found, expected[:n], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        model.predict_proba(rows.iloc[:40])[:, 1],
        model.ebm_.predict_proba(values[:40])[:, 1],
        rtol=0,
        atol=1e-12,
    )
    assert set(model.predict(rows)) <= {0, 1}


def test_contributions_add_up_to_the_log_odds_exactly(fitted):
    pipeline, rows = fitted
    model = pipeline[-1]
    for batch in (rows.iloc[:5], rows):
        logit = model.decision_function(batch)
        terms = model.contributions(batch)
        features = model.feature_contributions(batch)
        assert list(terms.columns) == model.term_names_
        assert "Attr1 & Attr2" in terms.columns
        np.testing.assert_allclose(model.intercept_ + terms.sum(axis=1), logit, atol=1e-9, rtol=0)
        np.testing.assert_allclose(model.intercept_ + features.sum(axis=1), logit, atol=1e-9)


def test_the_pipelines_probability_is_the_sigmoid_of_the_sum(fitted, ratios):
    pipeline, rows = fitted
    p = pipeline.predict_proba(ratios[0])[:, 1]
    model = pipeline[-1]
    logit = model.intercept_ + model.contributions(rows).sum(axis=1).to_numpy()
    np.testing.assert_allclose(np.log(p / (1 - p)), logit, atol=1e-9, rtol=0)


def test_the_shape_table_is_the_model(fitted):
    """Each row's contribution of a one-feature term is the score of the table row whose
    range holds its value (the missing-value row for a gap); each pair's is the table row of
    its two bins; bins are labelled as the table labels them."""
    pipeline, rows = fitted
    model = pipeline[-1]
    table = model.term_table()
    assert set(table["term"]) == set(model.term_names_)
    rows = rows.iloc[::5]
    terms, bins = model.contributions(rows), model.term_bins(rows)
    for term in ("Attr1", "Attr21", "Attr37"):  # Attr21 and Attr37 have gaps
        shape = table[table["term"] == term]
        values = rows[term].to_numpy()
        for value, score, label in zip(values, terms[term], bins[term], strict=True):
            if np.isnan(value):
                match = shape[shape["low"].isna()]
                assert label == "missing"
            else:
                match = shape[(shape["low"] <= value) & (value < shape["high"])]
            assert len(match) == 1 and match["score"].iloc[0] == score
    pair = table[table["term"] == "Attr3 & Attr21"]
    for value, other, score in zip(rows["Attr3"], rows["Attr21"], terms["Attr3 & Attr21"],
                                   strict=True):  # fmt: skip
        inside = (pair["low"] <= value) & (value < pair["high"])
        second = pair["low_2"].isna() if np.isnan(other) else (
            (pair["low_2"] <= other) & (other < pair["high_2"])
        )  # fmt: skip
        assert pair[inside & second]["score"].tolist() == [score]
    assert (table["weight"] >= 0).all() and table["weight"].sum() > 0
    # neighbouring ranges of a one-feature shape differ (equal ones are merged)
    shape = table[(table["term"] == "Attr1") & table["low"].notna()]
    assert (np.diff(shape["score"].to_numpy()) != 0).all()


def test_infinities_are_missing_values(fitted):
    pipeline, rows = fitted
    model = pipeline[-1]
    row = rows.iloc[[0]].copy()
    gap, inf = row.assign(Attr1=np.nan), row.assign(Attr1=np.inf)
    assert model.decision_function(inf) == pytest.approx(model.decision_function(gap), abs=0)
    assert model.term_bins(inf)["Attr1"].iloc[0] == "missing"


def test_logit_curves_equal_rescoring_the_moved_rows(fitted):
    pipeline, rows = fitted
    model = pipeline[-1]
    grid = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, np.nan])
    curves = model.logit_curves(rows.iloc[:7], "Attr1", grid)  # Attr1 is in a pair too
    for j, value in enumerate(grid):
        moved = rows.iloc[:7].assign(Attr1=value)
        np.testing.assert_allclose(curves[:, j], model.decision_function(moved), atol=1e-12)
    with pytest.raises(PreprocessError, match="no feature 'Attr99'"):
        model.logit_curves(rows.iloc[:2], "Attr99", grid)
    many = rows.iloc[: LIBRARY_ROWS + 4]  # the library's own scoring of the unmoved terms
    curves = model.logit_curves(many, "Attr2", grid)  # Attr2: the pair's second feature
    for j, value in enumerate(grid):
        moved = many.assign(Attr2=value)
        np.testing.assert_allclose(curves[:, j], model.decision_function(moved), atol=1e-12)


def test_the_log_odds_change_only_at_a_features_cuts(fitted):
    pipeline, rows = fitted
    model = pipeline[-1]
    cuts = model.feature_cuts("Attr1")  # its shape's cuts and its cuts inside the pair
    levels = model.ebm_.bins_[0]  # Attr1's cuts for its shape, and inside its pair
    assert set(cuts) <= set(np.concatenate(levels)) and len(levels) == 2
    assert len(cuts) > len(levels[1])  # more than the pair's: the shape's where it changes
    inner = (cuts[:-1] + cuts[1:]) / 2  # inside each range, and each range's lower cut
    curves = model.logit_curves(rows.iloc[:5], "Attr1", np.r_[cuts[:-1], inner])
    np.testing.assert_array_equal(curves[:, : len(inner)], curves[:, len(inner) :])
    below = model.logit_curves(rows.iloc[:5], "Attr1", np.nextafter(cuts, -np.inf))
    np.testing.assert_array_equal(below[:, 1:], curves[:, : len(inner)])  # the range below
    assert (below[:, :-1] != curves[:, : len(inner)]).any()  # crossing a cut changes some


def test_the_pd_follows_the_configured_signs(clean):
    """``monotone`` reaches the library's constraints: the PD along a grid never falls for +1,
    never rises for -1, and the constrained features enter none of the chosen interactions."""
    X, y = clean
    model = ExplainableBoosting(max_rounds=30, interactions=4, monotone={"Attr1": 1, "Attr2": -1})
    model.fit(X, y)
    grid = np.linspace(-6, 6, 61)
    rising = pd_along(model, X.iloc[::40], "Attr1", grid)
    falling = pd_along(model, X.iloc[::40], "Attr2", grid)
    assert np.all(np.diff(rising, axis=1) >= -1e-12)
    assert np.all(np.diff(falling, axis=1) <= 1e-12)
    assert np.ptp(rising) > 0  # used, not flat
    assert model.constraints_["Attr1"] == 1 and model.constraints_["Attr3"] == 0
    pairs = [features for features in model.term_features().values() if len(features) > 1]
    assert pairs and not any({"Attr1", "Attr2"} & set(p) for p in pairs)


def test_auto_takes_the_monotone_boosters_signs(clean):
    X, y = clean
    X = X.iloc[:, :8]
    model = ExplainableBoosting(max_rounds=30, interactions=0, monotone="auto").fit(X, y)
    assert model.constraints_ == column_signs("auto", X, y.to_numpy(), list(X.columns))
    assert model.constraints_["Attr1"] == 1  # the shifted ratios rise with the risk
    shape = model.term_table().query("term == 'Attr1' and low == low")["score"].to_numpy()
    assert np.all(np.diff(shape) >= 0)


def test_edits_change_the_shapes_they_name(clean):
    X, y = clean
    free = ExplainableBoosting(**SMALL).fit(X, y)
    edits = {"drop": ["Attr5"], "monotone": {"Attr3": -1}, "cap": {"Attr1": [None, 0.05]}}
    edited = clone(free).set_params(edits=edits).fit(X, y)
    assert "Attr5" in free.term_names_ and "Attr5" not in edited.term_names_
    assert "Attr3 & Attr21" in free.term_names_
    assert not any("Attr3" in t.split(" & ") and " & " in t for t in edited.term_names_)
    table = edited.term_table()
    falling = table.query("term == 'Attr3' and low == low")["score"].to_numpy()
    assert np.all(np.diff(falling) <= 1e-12)
    assert free.term_table().query("term == 'Attr1'")["score"].max() > 0.05
    assert table.query("term == 'Attr1'")["score"].max() <= 0.05
    assert [e["edit"] for e in edited.edited_] == ["drop", "monotone", "cap"]
    assert edited.edited_[1]["pairs_removed"] == 1
    # still exact after the edits
    np.testing.assert_allclose(
        edited.intercept_ + edited.contributions(X).sum(axis=1),
        edited.ebm_.decision_function(X.to_numpy(np.float64)),
        atol=1e-9,
    )


def test_an_edit_naming_no_term_is_one_line(clean):
    X, y = clean
    model = ExplainableBoosting(**SMALL, edits={"cap": {"Attr1 & Attr9": [0, 1]}})
    with pytest.raises(PreprocessError, match=r"names 'Attr1 & Attr9', which is no term"):
        model.fit(X, y)


@pytest.mark.parametrize(
    "edits",
    [
        {"flatten": ["Attr1"]},
        {"drop": "Attr1"},
        {"monotone": {"Attr1": 2}},
        {"cap": {"Attr1": [1, 0]}},
        {"cap": {"Attr1": [1]}},
    ],
)
def test_malformed_edits_are_refused_before_fitting(edits):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="The 'edits' parameter of Explainable"):
        ExplainableBoosting(edits=edits)._validate_params()


def test_options_name_the_columns_they_use():
    model = ExplainableBoosting(
        interactions=[["Attr1", "Attr2"]],
        monotone={"Attr27": -1},
        edits={"drop": ["Attr6 & Attr9"], "cap": {"Attr46": [None, 1]}},
    )
    assert model.named_columns() == {
        "monotone": ["Attr27"],
        "interactions": ["Attr1", "Attr2"],
        "edits.drop": ["Attr6", "Attr9"],
        "edits.cap": ["Attr46"],
    }
    library = model.library_estimator()
    assert library.interactions == [["Attr1", "Attr2"]] and library.n_jobs == 1


def test_a_frame_with_other_columns_is_refused(fitted):
    pipeline, rows = fitted
    with pytest.raises(ValueError, match="feature names"):
        pipeline[-1].decision_function(rows.rename(columns={"Attr1": "Other"}))
    assert isinstance(pipeline[-1].contributions(rows.iloc[:3]), pd.DataFrame)


@parametrize_with_checks([ExplainableBoosting(max_rounds=20, interactions=2)])
def test_the_model_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)
