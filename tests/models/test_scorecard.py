"""model=scorecard: binning on training rows, selection, points arithmetic, safe saving."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from bankruptcy.models.scorecard import MISSING, Scorecard
from bankruptcy.serving import trusted


@pytest.fixture(scope="module")
def risky():
    """2,000 made-up firms: risk rises with `lev`, falls with `cash`, `noise` says nothing,
    `lev2` is `lev` again; gaps in `cash` are mostly bankrupt firms'."""
    rng = np.random.default_rng(3)
    n = 2000
    lev, cash, noise = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 1.5 * lev - 1.0 * cash)))).astype(int)
    X = pd.DataFrame({"lev": lev, "cash": cash, "noise": noise, "lev2": lev + 1e-3 * noise})
    X.loc[(y == 1) & (rng.random(n) < 0.5), "cash"] = np.nan
    X.loc[rng.random(n) < 0.01, "cash"] = np.nan
    return X, pd.Series(y)


@pytest.fixture(scope="module")
def fitted(risky):
    return Scorecard(rounding=False).fit(*risky)


def test_it_keeps_the_informative_features_once_each(fitted, risky):
    assert "cash" in fitted.features_
    assert len({"lev", "lev2"} & set(fitted.features_)) == 1  # the copy is too correlated
    assert fitted.iv_["noise"] < 0.1 < 0.5 < min(fitted.iv_["lev"], fitted.iv_["cash"])
    assert "noise" not in Scorecard(min_iv=0.1).fit(*risky).features_
    assert fitted.risk_direction_["lev"] == 1 and fitted.risk_direction_["cash"] == -1


def test_points_follow_the_bankrupt_rate_and_missing_values_have_their_own_bin(fitted):
    table = fitted.points_table()
    for _, rows in table.groupby("feature", sort=False):
        numeric = rows[rows["bin"] != MISSING]
        # riskier bin (higher rate) -> fewer points, in order along the feature
        assert np.all(np.diff(numeric["points"]) * np.diff(numeric["bankrupt_rate"]) <= 0)
        assert (rows["bin"] == MISSING).sum() == 1
    missing = table[(table["feature"] == "cash") & (table["bin"] == MISSING)].iloc[0]
    assert missing["bankrupt_rate"] > 0.3 and missing["points"] < table["points"].median()
    assert table.groupby("feature")["count"].sum().eq(2000).all()


def test_points_sum_plus_base_points_is_the_score(fitted, risky):
    X, _ = risky
    points = fitted.feature_points(X)
    np.testing.assert_allclose(fitted.score_points(X), fitted.base_points_ + points.sum(axis=1))


def test_the_score_is_the_regression_rescaled_pdo_doubles_the_odds(fitted, risky):
    X, _ = risky
    factor = fitted.pdo / math.log(2)
    log_odds_bad = fitted.decision_function(X)
    offset = fitted.base_score - factor * math.log(fitted.base_odds)
    # score = offset + factor * ln(healthy:bankrupt odds), exactly without rounding
    np.testing.assert_allclose(fitted.score_points(X), offset - factor * log_odds_bad)
    scores, p = fitted.score_points(X), fitted.predict_proba(X)[:, 1]
    i, j = np.argmin(scores), np.argmax(scores)
    odds_ratio = ((1 - p[j]) / p[j]) / ((1 - p[i]) / p[i])
    assert scores[j] - scores[i] == pytest.approx(fitted.pdo * math.log2(odds_ratio))


def test_rounding_gives_whole_points_close_to_the_exact_score(risky, fitted):
    X, y = risky
    rounded = Scorecard().fit(X, y)
    table = rounded.points_table()
    assert np.all(table["points"] == np.round(table["points"]))
    exact = fitted.score_points(X)
    gap = np.abs(rounded.score_points(X) - exact)
    assert gap.max() <= 0.5 * (len(rounded.features_) + 1)


def test_reason_codes_are_the_points_lost_against_each_features_best_bin(fitted, risky):
    X, _ = risky
    lost = fitted.points_lost(X.head(50))
    assert (lost >= 0).all().all() and (lost.min() == 0).any()
    best = max(fitted.points_[0])
    np.testing.assert_allclose(lost.iloc[:, 0], best - fitted.feature_points(X.head(50)).iloc[:, 0])


def test_binning_learns_from_training_rows_only(risky):
    X, y = risky
    train = X.index < 1500
    wild = X.copy()
    wild.loc[~train, "lev"] = 1e6
    a, b = Scorecard().fit(X[train], y[train]), Scorecard().fit(wild[train], y[train])
    for left, right in zip(a.splits_, b.splits_, strict=True):
        np.testing.assert_array_equal(left, right)
    np.testing.assert_array_equal(a.predict_proba(X[train]), b.predict_proba(wild[train]))


def test_a_trend_per_feature_is_followed_and_an_absent_column_is_one_line(risky):
    X, y = risky
    model = Scorecard(monotonic_trend={"lev": "descending"}, min_iv=0).fit(X, y)
    woe = model.woe_[model.features_.index("lev")][:-1] if "lev" in model.features_ else None
    assert woe is None or np.all(np.diff(woe) <= 0)
    with pytest.raises(Exception, match="names \\['levv'\\], which the model's input lacks"):
        Scorecard(monotonic_trend={"levv": "ascending"}).fit(X, y)


def test_max_features_and_min_iv_limit_the_scorecard(risky, fitted):
    X, y = risky
    best = max(X.columns, key=fitted.iv_.get)
    assert Scorecard(max_features=1).fit(X, y).features_ == [best]
    assert Scorecard(min_iv=100).fit(X, y).features_ == [best]  # none qualifies: the best


def test_it_saves_with_skops_holding_plain_data_only(fitted, risky, tmp_path):
    X, _ = risky
    path = tmp_path / "scorecard.skops"
    loaded = trusted.load(path, trusted.dump(fitted, path))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(loaded.score_points(X), fitted.score_points(X))
    held = [v for k, v in vars(fitted).items() if k.endswith("_")]
    assert not any(type(v).__module__.startswith("optbinning") for v in held)
    assert clone(fitted).get_params() == fitted.get_params()
