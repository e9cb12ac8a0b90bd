"""Repeated stratified k-fold CV (``protocol.n_repeats``) and the id of a split's folds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bankruptcy.data.american import load_american
from bankruptcy.data.polish import load_polish
from bankruptcy.evaluation.protocol import HoldoutCV, folds_id


@pytest.fixture(scope="module")
def polish(data_dir):
    return load_polish(1, data_dir=data_dir)


def rounds(split, n_splits):
    return [split.folds[r : r + n_splits] for r in range(0, len(split.folds), n_splits)]


def test_each_round_partitions_the_training_rows_on_its_own_shuffle(polish):
    once = HoldoutCV(0.2, 5, random_state=3).split(polish)
    thrice = HoldoutCV(0.2, 5, random_state=3, n_repeats=3).split(polish)
    assert len(thrice.folds) == 15
    np.testing.assert_array_equal(thrice.test, once.test)
    for a, b in zip(once.folds, thrice.folds[:5], strict=True):  # round 1 = n_repeats=1
        np.testing.assert_array_equal(a[1], b[1])
    y = polish.y.to_numpy()
    for folds in rounds(thrice, 5):
        validated = np.concatenate([val for _, val in folds])
        np.testing.assert_array_equal(np.sort(validated), thrice.train)
        for fit, val in folds:
            assert not set(fit) & set(val) and abs(y[val].mean() - y.mean()) < 0.005
    assert not np.array_equal(thrice.folds[0][1], thrice.folds[5][1])


def test_group_aware_rounds_keep_companies_on_one_side(data_dir):
    ds = load_american("american_bankruptcy_partial.csv", data_dir=data_dir)
    firms = ds.groups.isin(ds.groups.unique()[:800])  # a part of the firms: a quicker test
    part = dataclasses.replace(
        ds, X=ds.X[firms], y=ds.y[firms].reset_index(drop=True), groups=ds.groups[firms]
    )
    split = HoldoutCV(0.2, 3, random_state=0, n_repeats=2).split(part)
    groups = part.groups.to_numpy()
    assert len(split.folds) == 6
    for fit, val in split.folds:
        assert not set(groups[fit]) & set(groups[val])
    assert not np.array_equal(split.folds[0][1], split.folds[3][1])


def test_folds_id_names_the_rows_of_the_folds_on_this_data(polish, data_dir):
    split = HoldoutCV(0.2, 5, random_state=3).split(polish)
    assert folds_id(split, polish) == folds_id(
        HoldoutCV(0.2, 5, random_state=3).split(polish), polish
    )
    assert folds_id(split, polish) != folds_id(
        HoldoutCV(0.2, 5, random_state=4).split(polish), polish
    )
    repeated = HoldoutCV(0.2, 5, random_state=3, n_repeats=2).split(polish)
    assert folds_id(repeated, polish) != folds_id(split, polish)
    other = load_polish(5, data_dir=data_dir)
    assert folds_id(split, other) != folds_id(split, polish)
