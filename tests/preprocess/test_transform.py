"""The vectorised quantile-normal transform gives scikit-learn's output exactly."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import preprocessing

from bankruptcy.preprocess.transform import QuantileTransformer


def _pair(X, **params):
    """scikit-learn's transformer and ours, fitted on the same rows with the same settings."""
    ours = QuantileTransformer(random_state=0, **params).fit(X)
    theirs = preprocessing.QuantileTransformer(random_state=0, **params).fit(X)
    return ours, theirs


def _heavy_tailed(n, rng):
    """Student-t columns with a rounded one (repeated quantiles), a constant one and 10% NaN."""
    X = rng.standard_t(2, size=(n, 12)) * 3
    X[:, 3] = np.round(X[:, 3])
    X[:, 5] = 0.0
    X[rng.random(X.shape) < 0.1] = np.nan
    return X


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("n_quantiles", [1000, 7, 2])
@pytest.mark.parametrize("n_rows", [1, 600])  # 600 rows x 1000 knots: one interp per column
def test_matches_scikit_learn_on_rows_with_missing_values(distribution, n_quantiles, n_rows):
    rng = np.random.default_rng(n_quantiles)
    ours, theirs = _pair(
        _heavy_tailed(1200, rng), output_distribution=distribution, n_quantiles=n_quantiles
    )
    new = _heavy_tailed(n_rows, rng)
    new[-1, :] = theirs.quantiles_[-1]  # on the last knot of each column
    new[-1, 2] = np.nan
    if n_rows > 1:
        new[0, :] = theirs.quantiles_[n_quantiles // 2]  # on an inner knot
        new[1, :] = 1e6  # beyond the training range: the clipped ends
    expected = theirs.transform(new)
    got = ours.transform(new)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.isnan(got).any() and np.isfinite(got[~np.isnan(got)]).all()


def test_leaves_its_input_alone_unless_told_to_copy_nothing():
    X = _heavy_tailed(300, np.random.default_rng(1))
    before = X.copy()
    ours, _ = _pair(X, output_distribution="normal", n_quantiles=50)
    ours.transform(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.slow
def test_matches_scikit_learn_on_the_polish_year_1_data(polish1):
    X = polish1.X.to_numpy(dtype=float, copy=True)
    X[~np.isfinite(X)] = np.nan
    train, test = X[::2], X[1::2]
    ours, theirs = _pair(train, output_distribution="normal", n_quantiles=1000, subsample=10_000)
    np.testing.assert_array_equal(ours.quantiles_, theirs.quantiles_)
    expected = theirs.transform(test)
    got = ours.transform(test)
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    for row in range(5):  # one row at a time: all columns at once
        np.testing.assert_allclose(
            ours.transform(test[row : row + 1]), expected[row : row + 1], rtol=0, atol=1e-12
        )
