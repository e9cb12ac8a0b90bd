"""Hold-out/CV and temporal splits on real data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.model_selection import StratifiedGroupKFold

from bankruptcy.data.american import load_american
from bankruptcy.data.dataset import DataError
from bankruptcy.data.polish import load_polish
from bankruptcy.data.synthetic import load_synthetic
from bankruptcy.evaluation import protocol
from bankruptcy.evaluation.protocol import HoldoutCV, Temporal


def test_holdout_cv_is_disjoint_stratified_and_seeded(data_dir):
    ds = load_polish(1, data_dir=data_dir)
    split = HoldoutCV(0.2, 5, random_state=3).split(ds)
    y = ds.y.to_numpy()
    assert not set(split.train) & set(split.test)
    assert len(split.train) + len(split.test) == len(y)
    assert abs(y[split.test].mean() - y.mean()) < 0.002
    for fit, val in split.folds:
        assert set(fit) | set(val) == set(split.train) and not set(fit) & set(val)
    again = HoldoutCV(0.2, 5, random_state=3).split(ds)
    assert np.array_equal(again.test, split.test)
    other = HoldoutCV(0.2, 5, random_state=4).split(ds)
    assert not np.array_equal(other.test, split.test)


def test_group_aware_split_keeps_companies_on_one_side(data_dir):
    ds = load_american("american_bankruptcy_partial.csv", data_dir=data_dir)
    split = HoldoutCV(0.2, 3, random_state=0).split(ds)
    groups = ds.groups.to_numpy()
    assert not set(groups[split.train]) & set(groups[split.test])
    for fit, val in split.folds:
        assert not set(groups[fit]) & set(groups[val])


def test_a_group_split_is_computed_once_per_rows_and_settings(data_dir, monkeypatch):
    # StratifiedGroupKFold takes seconds on the American firms; a sweep's jobs split alike
    ds = load_american("american_bankruptcy_partial.csv", data_dir=data_dir)
    firms = ds.groups.isin(ds.groups.unique()[:1500])  # a part of the firms: a quicker test
    part = dataclasses.replace(
        ds, X=ds.X[firms], y=ds.y[firms].reset_index(drop=True), groups=ds.groups[firms]
    )
    made = []

    class Counted(StratifiedGroupKFold):
        def __init__(self, *args, **kwargs):
            made.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(protocol, "StratifiedGroupKFold", Counted)
    first = HoldoutCV(0.2, 3, random_state=21).split(part)
    assert len(made) == 2  # the test rows, then the CV folds
    first.test[:] = -1  # a caller's change stays its own
    again = HoldoutCV(0.2, 3, random_state=21).split(part)
    assert len(made) == 2 and set(again.test) & set(again.train) == set()
    assert (again.test >= 0).all() and len(again.test) == len(first.test)

    HoldoutCV(0.2, 3, random_state=22).split(part)
    assert len(made) == 4
    renamed = dataclasses.replace(part, groups="firm " + part.groups)  # other group values
    HoldoutCV(0.2, 3, random_state=21).split(renamed)
    assert len(made) == 6


def test_temporal_split_is_the_official_american_one(data_dir):
    ds = load_american("american_bankruptcy_partial.csv", data_dir=data_dir)
    split = Temporal(2011, 2014).split(ds)
    years = ds.time.to_numpy()
    assert years[split.train].max() == 2014 and years[split.test].min() == 2015
    assert [int(np.unique(years[val])[0]) for _, val in split.folds] == [2012, 2013, 2014]
    for fit, val in split.folds:
        assert years[fit].max() < years[val].min()


def test_temporal_needs_a_time_column(data_dir):
    with pytest.raises(DataError, match="needs a time column"):
        Temporal().split(load_polish(1, data_dir=data_dir))


def test_too_few_bankruptcies_for_the_folds():
    ds = load_synthetic(n_samples=200, positive_rate=0.03, random_state=0)
    with pytest.raises(DataError, match=r"only \d+ bankrupt rows.*protocol.n_splits"):
        HoldoutCV(0.2, 10).split(ds)
