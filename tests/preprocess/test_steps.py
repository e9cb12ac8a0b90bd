"""Mechanics of each custom step, on small hand-made frames and on the real Polish file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest

from bankruptcy.preprocess.clean import Cleaner
from bankruptcy.preprocess.impute import MissingFlags
from bankruptcy.preprocess.outliers import DropOutlierRows, Winsorizer
from bankruptcy.preprocess.rows import DropDuplicates
from bankruptcy.preprocess.select import CorrelationFilter
from bankruptcy.preprocess.transform import signed_log


def test_cleaner_drops_constant_rare_and_mostly_missing_columns_and_flags_infinities():
    n = 2000
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "ok": rng.normal(size=n),
            "constant": np.ones(n),
            "near_constant": np.r_[np.zeros(n - 2), 1.0, 1.0],  # mode share 0.999: kept
            "nearer_constant": np.r_[np.zeros(n - 1), 1.0],  # 0.9995: dropped
            "gappy": np.where(rng.random(n) < 0.6, np.nan, 1.0) * rng.normal(size=n),
            "ratio": np.r_[np.inf, -np.inf, rng.normal(size=n - 2)],
        }
    )
    cleaner = Cleaner(max_missing=0.5, max_mode_share=0.999).fit(X)
    out = cleaner.set_output(transform="pandas").transform(X)
    assert list(out.columns) == ["ok", "near_constant", "ratio", "ratio_inf"]
    assert cleaner.dropped_ == {
        "constant": "(near-)constant",
        "nearer_constant": "(near-)constant",
        "gappy": "too many missing values",
    }
    assert out["ratio"].isna().sum() == 2 and out["ratio_inf"].sum() == 2


def test_winsorizer_clips_to_training_quantiles_and_leaves_flags_alone():
    X = pd.DataFrame({"x": np.r_[np.arange(100.0), np.nan], "flag": np.r_[1.0, np.zeros(100)]})
    wins = Winsorizer(lower=0.05, upper=0.95).fit(X)
    out = wins.transform(pd.DataFrame({"x": [-1e9, 50.0, 1e9, np.nan], "flag": [1.0] * 4}))
    np.testing.assert_allclose(out[:, 0], [4.95, 50.0, 94.05, np.nan])
    assert (out[:, 1] == 1.0).all()


def test_missing_flags_only_for_columns_missing_often_enough_in_training():
    X = pd.DataFrame({"a": [np.nan, 1, 2, 3], "b": [1.0, 2, 3, 4], "c": [np.nan] * 2 + [1.0] * 2})
    flags = MissingFlags(min_share=0.5).fit(X)
    assert list(flags.get_feature_names_out()) == ["a", "b", "c", "c_missing"]
    out = flags.transform(pd.DataFrame({"a": [np.nan], "b": [np.nan], "c": [np.nan]}))
    np.testing.assert_array_equal(out[0, 3:], [1.0])


def test_drop_duplicates_counts_real_polish_duplicates_and_keeps_conflicting_labels(polish1):
    X, y = polish1.X, polish1.y
    Xr, yr = (sampler := DropDuplicates()).fit_resample(X, y)
    expected = int(X.assign(label=y).duplicated().sum())
    assert sampler.n_removed_ == expected > 0
    assert len(Xr) == len(yr) == len(X) - expected and not Xr.assign(label=yr).duplicated().any()
    # same features, different labels: both kept
    Xc, yc = DropDuplicates().fit_resample(X.iloc[[0, 0]], pd.Series([0, 1]))
    assert len(Xc) == 2


def test_outlier_rows_never_removes_bankrupt_rows_when_asked(polish_sample):
    X, y = polish_sample
    X = X.fillna(X.median())
    detector = IsolationForest(contamination=0.1, random_state=0)
    Xr, yr = (kept := DropOutlierRows(detector, keep_bankrupt=True)).fit_resample(X, y)
    assert kept.n_removed_ > 0 and yr.sum() == y.sum() and len(Xr) == len(X) - kept.n_removed_
    _, yr_all = DropOutlierRows(detector, keep_bankrupt=False).fit_resample(X, y)
    assert yr_all.sum() < y.sum()  # bankrupt firms are outliers: the option matters


def test_correlation_filter_keeps_the_first_of_a_correlated_pair():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    X = pd.DataFrame(
        {"a": a, "b": rng.normal(size=200), "a_copy": a**3, "noisy_a": a + rng.normal(size=200)}
    )
    filt = CorrelationFilter(threshold=0.95, method="spearman").fit(X)
    assert list(filt.get_feature_names_out()) == ["a", "b", "noisy_a"]


def test_signed_log_compresses_tails_keeping_sign_zero_and_missing():
    out = signed_log(pd.Series([-1e6, -1.0, 0.0, 1.0, 1e6, np.nan]))
    np.testing.assert_allclose(
        out, [-np.log1p(1e6), -np.log(2), 0, np.log(2), np.log1p(1e6), np.nan]
    )


@pytest.mark.parametrize("k", [64, 65])
def test_too_large_k_is_an_error_not_a_silent_no_op(polish_sample, k):
    from bankruptcy.preprocess.checks import PreprocessError
    from bankruptcy.preprocess.select import MutualInfoKBest

    X, y = polish_sample
    X = X.fillna(0)
    if k <= X.shape[1]:
        assert MutualInfoKBest(k=k, random_state=0).fit(X, y).get_support().sum() == k
    else:
        with pytest.raises(
            PreprocessError, match=r"k=65 but only 64 features.*preprocess\.select\.k"
        ):
            MutualInfoKBest(k=k, random_state=0).fit(X, y)
