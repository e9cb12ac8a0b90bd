"""History columns and panel features read a firm's earlier statements only; the walk-forward
protocol purges training rows whose label window closes late."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankruptcy.data.american import load_american
from bankruptcy.evaluation.protocol import Temporal
from bankruptcy.horizons.history import add_history
from bankruptcy.horizons.targets import TermStructure, Within
from bankruptcy.preprocess.checks import PreprocessError
from bankruptcy.preprocess.panel import PanelFeatures
from tests.helpers import firm_years

ITEMS = ["X1", "X2", "X3", "X4"]
RATIOS = {"a": "X1 / X2", "b": "log(X3) - X4 / X2"}


def with_history(panel: pd.DataFrame, lags: int = 2) -> pd.DataFrame:
    return add_history(panel[ITEMS], panel["firm"], panel["year"], ITEMS, lags)


def test_history_is_the_firms_earlier_statements_in_any_row_order():
    panel = firm_years()
    shuffled = panel.sample(frac=1, random_state=0)
    X = with_history(shuffled)
    previous = panel.set_index(["firm", "year"])["X1"]
    for (firm, year), lag in zip(
        shuffled[["firm", "year"]].itertuples(index=False), X["X1_lag1"], strict=True
    ):
        earlier = previous.loc[firm]
        earlier = earlier[earlier.index < year]
        expected = earlier.iloc[-1] if len(earlier) else np.nan
        assert lag == expected or (np.isnan(lag) and np.isnan(expected))
    counts = shuffled.groupby("firm")["year"].rank(method="first") - 1
    assert (X["years_reported"].to_numpy() == counts.to_numpy()).all()


def test_a_later_statement_never_changes_an_earlier_rows_features():
    panel = firm_years()
    step = PanelFeatures(RATIOS, lags=2).fit(with_history(panel))
    before = step.transform(with_history(panel))
    changed = panel.copy()
    latest = changed.groupby("firm")["year"].transform("max") == changed["year"]
    changed.loc[latest, "X1"] *= 7.0
    after = step.transform(with_history(changed))
    pd.testing.assert_frame_equal(before[~latest.to_numpy()], after[~latest.to_numpy()])
    assert not np.allclose(before.loc[latest, "a_change"], after.loc[latest, "a_change"])


def test_panel_features_are_ratios_changes_and_trends():
    panel = firm_years()
    X = with_history(panel)
    out = PanelFeatures(RATIOS, lags=2).fit(X).transform(X)
    ratio = X["X1"] / X["X2"]
    previous = X["X1_lag1"] / X["X2_lag1"]
    np.testing.assert_allclose(out["a"], ratio)
    np.testing.assert_allclose(out["a_change"], ratio - previous)
    two_back = X["X1_lag2"] / X["X2_lag2"]
    full = two_back.notna()
    slope = np.polyfit([0, 1, 2], np.vstack([two_back[full], previous[full], ratio[full]]), 1)[0]
    np.testing.assert_allclose(out.loc[full, "a_trend"], slope)
    first = X["years_reported"] == 0
    assert out.loc[first, ["a_change", "a_trend"]].isna().all().all()


def test_panel_features_refuse_rows_without_history_unless_auto():
    X = firm_years()[ITEMS]
    with pytest.raises(PreprocessError, match="history columns"):
        PanelFeatures(RATIOS).fit(X)
    idle = PanelFeatures(RATIOS, panels_only=True).fit(X)
    pd.testing.assert_frame_equal(idle.transform(X), X)


@pytest.fixture(scope="module")
def american(data_dir):
    return load_american("american_bankruptcy_partial.csv", data_dir)


@pytest.mark.parametrize("target", [Within(1), Within(2), TermStructure(3)], ids=repr)
def test_no_training_row_is_fitted_before_its_label_is_known(american, target):
    dataset = target.prepare(american)
    split = Temporal(train_end=2008, valid_end=2014).split(dataset)
    known = dataset.label_time.to_numpy()
    time = dataset.time.to_numpy()
    assert known[split.train].max() <= 2014  # the final model and its calibration map
    for fit, val in split.folds:
        period = time[val][0]
        assert (time[val] == period).all()
        assert known[fit].max() < period  # every fold model's labels closed before it scores
        assert known[val].max() <= 2014  # validation labels (the map's) closed before the test
    assert time[split.test].min() == 2015
    # what was purged: rows of the training years whose window reaches past 2014
    purged = (time <= 2014) & (known > 2014)
    assert purged.any() and not np.isin(np.flatnonzero(purged), split.train).any()
