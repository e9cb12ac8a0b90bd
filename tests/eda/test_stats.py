"""The EDA computations on small frames whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from bankruptcy.eda import stats


def test_class_balance_counts_and_shares(planted):
    table = stats.class_balance(planted.y)
    assert table["rows"].tolist() == [270, 30]
    assert table["share"].tolist() == pytest.approx([0.9, 0.1])
    assert table["class"].tolist() == ["operating", "bankrupt"]


def test_missing_values_rate_where_missing_vs_present(planted):
    table = stats.missing_values(planted.X, planted.y)
    # Only `gappy` has missing cells: 30 rows, all bankrupt; the 270 others are all operating.
    assert table["feature"].tolist() == ["gappy"]
    row = table.iloc[0]
    assert row["missing"] == 30
    assert row["missing_share"] == pytest.approx(0.1)
    assert row["bankrupt_rate_missing"] == 1.0
    assert row["bankrupt_rate_present"] == 0.0


def test_incomplete_rows_split_by_any_missing_cell(planted):
    table = stats.incomplete_rows(planted.X, planted.y).set_index("rows_kind")
    assert table.loc["with a missing cell", "rows"] == 30
    assert table.loc["complete", "rows"] == 270
    assert table.loc["complete", "bankrupt_rate"] == 0.0


def test_univariate_auc_finds_the_label_and_its_direction(planted):
    table = stats.univariate_auc(planted.X, planted.y).set_index("feature")
    assert table.loc["signal", "auc"] == 1.0
    assert table.loc["signal", "direction"] == "higher = riskier"
    assert table.loc["inverse", "auc"] == 1.0
    assert table.loc["inverse", "raw_auc"] == 0.0
    assert table.loc["inverse", "direction"] == "lower = riskier"
    # `gappy` is missing exactly on the bankrupt rows: no positive left, AUC undefined, last.
    assert np.isnan(table.loc["gappy", "auc"])
    assert table.index[-1] == "gappy"
    assert table.loc["gappy", "rows_used"] == 270


def test_auc_of_matches_scikit_learn_with_ties_and_missing_rows():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 5, size=500).astype(float)  # many ties
    labels = rng.random(500) < 0.2
    values[rng.random(500) < 0.1] = np.nan
    keep = ~np.isnan(values)
    expected = roc_auc_score(labels[keep], values[keep])
    assert stats.auc_of(values, labels.astype(int)) == pytest.approx(expected, abs=1e-12)


def test_auc_of_ranks_infinities_as_extremes():
    values = np.array([-np.inf, 0.0, 1.0, np.inf])
    assert stats.auc_of(values, np.array([0, 0, 1, 1])) == 1.0


def test_heavy_tail_flag_separates_normal_from_ratio_like_data(planted):
    assert not stats.is_heavy_tailed(planted.X["noise"], ratio=50)
    assert stats.is_heavy_tailed(planted.X["heavy"], ratio=50)


def test_outlier_summary_counts_values_beyond_the_fences():
    X = pd.DataFrame({"x": [*range(1, 21), 1000.0, -1000.0]})  # Q1 6.25, Q3 15.75
    y = pd.Series([0] * 20 + [1, 0])
    row = stats.outlier_summary(X, y, iqr_factor=3.0, heavy_tail_ratio=50).iloc[0]
    assert row["outliers"] == 2
    assert row["outlier_share"] == pytest.approx(2 / 22)
    assert row["bankrupt_rate_outliers"] == 0.5
    assert (row["min"], row["max"]) == (-1000.0, 1000.0)
    assert row["heavy_tailed"]  # range 2000 > 50 * IQR 9.5


def test_top_correlated_pairs_lists_each_pair_once_strongest_first():
    rng = np.random.default_rng(2)
    base = rng.normal(size=200)
    X = pd.DataFrame(
        {"a": base, "b": np.exp(base), "c": -(base**3), "d": rng.normal(size=200), "e": 1.0}
    )
    corr = stats.rank_correlation(X, max_rows=1000, seed=0)
    pairs = stats.top_correlated_pairs(corr, n=3)
    # a, exp(a) and -(a^3) are monotone in each other: |rho| = 1 for all three pairs.
    assert {frozenset(p) for p in zip(pairs["feature_a"], pairs["feature_b"], strict=True)} == {
        frozenset("ab"),
        frozenset("ac"),
        frozenset("bc"),
    }
    assert pairs["rho"].abs().tolist() == pytest.approx([1.0, 1.0, 1.0])
    # 4 choose 2 pairs: no diagonal, no mirror, no pair with the constant `e` (rho undefined).
    assert len(stats.top_correlated_pairs(corr, n=100)) == 6


def test_rank_correlation_subsamples_large_frames():
    X = pd.DataFrame({"a": np.arange(1000.0), "b": np.arange(1000.0) % 7})
    full = stats.rank_correlation(X, max_rows=5000, seed=0)
    sampled = stats.rank_correlation(X, max_rows=100, seed=0)
    assert full.loc["a", "b"] != pytest.approx(sampled.loc["a", "b"], abs=1e-9)
    assert sampled.equals(stats.rank_correlation(X, max_rows=100, seed=0))


def test_duplicates_count_planted_copies_with_missing_values(planted):
    groups = stats.duplicate_groups(planted.X, planted.y)
    counts = stats.duplicate_counts(groups)
    # Rows 1 and 2 copy row 0, whose `gappy` is NaN: NaN counts as equal.
    assert counts == {
        "duplicate_rows": 2,
        "duplicate_groups": 1,
        "conflicting_groups": 0,
        "conflicting_rows": 0,
    }
    assert groups.iloc[0]["first_row"] == 0


def test_duplicates_with_conflicting_labels_are_counted():
    X = pd.DataFrame({"a": [1.0, 1.0, 1.0, 2.0, 2.0, 3.0], "b": [0.5, 0.5, 0.5, 0, 0, 0]})
    y = pd.Series([0, 1, 0, 1, 1, 0])
    groups = stats.duplicate_groups(X, y)
    assert stats.duplicate_counts(groups) == {
        "duplicate_rows": 3,
        "duplicate_groups": 2,
        "conflicting_groups": 1,
        "conflicting_rows": 3,
    }
    assert groups["rows"].tolist() == [3, 2]


def test_rate_over_time_per_period_in_order():
    time = pd.Series([2003, 2001, 2001, 2003, 2002])
    y = pd.Series([1, 0, 1, 1, 0])
    table = stats.rate_over_time(time, y)
    assert table["period"].tolist() == [2001, 2002, 2003]
    assert table["rows"].tolist() == [2, 1, 2]
    assert table["bankrupt_rate"].tolist() == [0.5, 0.0, 1.0]


def test_no_duplicates_gives_zero_counts():
    X = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, 1.0, 1.0]})
    groups = stats.duplicate_groups(X, pd.Series([0, 1, 0]))
    assert groups.empty
    assert set(stats.duplicate_counts(groups).values()) == {0}


def test_rank_correlation_is_spearman_on_complete_columns():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=100), "b": rng.lognormal(size=100)})
    X["c"] = X["a"] * 0.5 + rng.normal(size=100)
    expected = spearmanr(X).statistic
    assert stats.rank_correlation(X, 1000, 0).to_numpy() == pytest.approx(expected)
