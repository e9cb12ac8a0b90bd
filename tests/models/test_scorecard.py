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


def test_a_bin_safer_than_average_never_costs_points(fitted, risky):
    table = fitted.points_table()
    overall = risky[1].mean()
    rated = table[table["count"] > 0]
    # WoE and points take the side of the bin's bankrupt rate, tiny bins (the shrinkage) too
    assert np.all(np.sign(rated["woe"]) == np.sign(rated["bankrupt_rate"] - overall))
    assert np.all(np.sign(rated["points"]) == -np.sign(rated["woe"]))
    assert table.loc[table["count"] == 0, "woe"].eq(0).all()
    # two healthy firms without `lev`: a tiny missing-value bin, safer than average
    X, y = risky
    gaps = X.copy()
    gaps.loc[np.flatnonzero(y.to_numpy() == 0)[:2], "lev"] = np.nan
    model = Scorecard(rounding=False).fit(gaps, y)
    lev = model.points_table().query("feature == 'lev' and bin == @MISSING").iloc[0]
    assert lev["count"] == 2 and lev["woe"] < 0 < lev["points"]


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


@pytest.mark.slow
def test_a_real_job_writes_the_points_table_and_a_package_that_scores_points(data_dir, tmp_path):
    """``python -m bankruptcy.run model=scorecard dataset=polish dataset.year=5`` (cheaper
    analyses), then ``python -m bankruptcy.predict <job> in.csv out.csv --explain 3``."""
    from bankruptcy.data.polish import load_polish
    from bankruptcy.serving.package import ModelPackage
    from tests.helpers import run_cli

    job = tmp_path / "job"
    done = run_cli(
        "bankruptcy.run", "model=scorecard", "dataset=polish", "dataset.year=5",
        f"paths.data_dir={data_dir}", "logger=none", "interpret.n_repeats=1",
        "interpret.pdp_features=1", "plots=none", "bootstrap=none", "calibration=sigmoid",
        f"hydra.run.dir={job}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(job / "interpret" / "scorecard.csv")
    features = table.loc[table["bin"].notna(), "feature"].unique()
    assert 1 <= len(features) <= 15
    assert (table.loc[table["bin"] == MISSING, "feature"].tolist()) == list(features)
    assert table.groupby("feature")["count"].sum().nunique() == 1  # every training row, once
    assert "## Scorecard" in (job / "package" / "MODEL_CARD.md").read_text()
    # it interprets like any other model: SHAP (model-agnostic) ranks the scorecard's features
    shap = pd.read_csv(job / "interpret" / "shap_importance.csv")
    assert set(shap["feature"].head(3)) <= set(features)

    package = ModelPackage.load(job / "package")
    rows = load_polish(5, data_dir=data_dir).X.head(30)
    model = package.pipeline[-1]
    points = package.feature_points(rows)
    # the package's score is the table's points of each row's bins plus the base points
    base = table.loc[table["feature"] == "(base points)", "points"].item()
    np.testing.assert_allclose(package.points(rows), base + points.sum(axis=1))
    assert set(points.columns) == set(features) == set(model.features_)

    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows.assign(company=[f"c{i}" for i in range(30)]).to_csv(source, index=False)
    done = run_cli("bankruptcy.predict", str(job), str(source), str(out), "--explain", "3",
                   "--quiet", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(out)
    np.testing.assert_allclose(scored["score_points"], package.points(rows))
    # a higher score is a lower PD (the sigmoid map is increasing), up to the rounding of
    # each feature's points (half a point each, and of the base points)
    score, pd_ = scored["score_points"].to_numpy(), scored["p_bankrupt"].to_numpy()
    apart = score[:, None] - score[None, :] > len(features) + 1
    higher, lower = apart.nonzero()
    assert len(higher) and np.all(pd_[higher] < pd_[lower])
    lost = model.points_lost(package.model_rows(rows))
    assert (scored["factor_1_points_lost"] == lost.max(axis=1)).all()
    assert (scored["factor_1_points_lost"] >= scored["factor_3_points_lost"]).all()
    assert scored["factor_1"].str.match(r"Attr\d+: \S").all()

    # the service answers the same score, the points per feature and the reason codes
    from fastapi.testclient import TestClient

    from bankruptcy.serving.service import Settings, create_app

    settings = Settings(model=str(job), log_dir=None, reload_seconds=0)
    two = rows.head(2).astype(object)
    body = {"rows": two.where(two.notna(), None).to_dict("records"), "explain": 3}
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/predict", json=body).json()["predictions"]
        page = client.get("/").text
    assert [a["score_points"] for a in answer] == pytest.approx(list(package.points(rows.head(2))))
    assert answer[0]["points"] == pytest.approx(points.iloc[0].to_dict())
    assert [f["points_lost"] for f in answer[0]["factors"]] == sorted(
        [f["points_lost"] for f in answer[0]["factors"]], reverse=True
    )
    assert "pointsTable" in page and "points_lost" in page


def test_the_job_output_is_the_points_table_with_base_points_and_the_scorecards_size(fitted):
    from bankruptcy.interpret.scorecard import BASE, NAME, scorecard_artifacts

    found = scorecard_artifacts(fitted, {f: f"meaning of {f}" for f in fitted.features_})
    table = found.tables[NAME]
    assert table["feature"].iloc[-1] == BASE and table["points"].iloc[-1] == fitted.base_points_
    bins = table.iloc[:-1]
    assert (bins["meaning"] == "meaning of " + bins["feature"]).all()
    assert found.metrics[f"{NAME}/n_features"] == len(fitted.features_)
    assert found.metrics[f"{NAME}/n_bins"] == sum(len(s) + 1 for s in fitted.splits_)
    assert NAME in found.figures
    assert not scorecard_artifacts(object(), {}).tables  # other models: nothing
