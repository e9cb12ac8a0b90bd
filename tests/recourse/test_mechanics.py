"""The recourse engine's mechanics on the synthetic package (data-free): every plan re-scored,
the constraints kept, gaps never filled, the table and its checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.core.errors import UserError
from bankruptcy.recourse.constraints import FeatureSpace, Overrides, tidy
from bankruptcy.recourse.engine import INFEASIBLE, NOT_NEEDED, PLAN, Recourser, Settings
from bankruptcy.recourse.output import COLUMNS, in_words, plans_frame
from bankruptcy.recourse.plausibility import Plausibility
from bankruptcy.recourse.scorecard import _entry


@pytest.fixture(scope="module")
def found(synthetic_package, synthetic_basis, synthetic_firms):
    """Plans for every synthetic firm with Attr1 made immutable and Attr2 one-way up."""
    overrides = Overrides(immutable=["Attr1"], direction={"Attr2": "up"})
    recourser = Recourser(synthetic_package, Settings(), overrides, synthetic_basis)
    return recourser, recourser.run(synthetic_firms)


def plan_rows(results, X: pd.DataFrame):
    """(firm position, plan, changed row) of every plan of status `PLAN`."""
    values = X.to_numpy(float)
    for i, result in enumerate(results):
        for plan in result.plans if result.status == PLAN else []:
            row = values[i].copy()
            row[list(plan.features)] = plan.values
            yield i, plan, row


def test_every_plan_is_rescored_below_the_target_and_firms_below_it_need_none(
    found, synthetic_package, synthetic_firms
):
    recourser, results = found
    before = synthetic_package.scores(synthetic_firms)
    status = np.array([r.status for r in results])
    assert ((status == NOT_NEEDED) == (before < recourser.target)).all()
    assert (status == PLAN).sum() >= 5  # the check below is not vacuous
    found_rows = list(plan_rows(results, synthetic_firms))
    rows = np.array([row for _, _, row in found_rows])
    rescored = synthetic_package.scores(pd.DataFrame(rows, columns=synthetic_firms.columns))
    np.testing.assert_allclose(rescored, [p.pd for _, p, _ in found_rows], rtol=0, atol=1e-12)
    assert (rescored < recourser.target).all()


def test_plans_keep_immutable_one_way_range_and_gaps(found, synthetic_firms):
    recourser, results = found
    space, names = recourser.space, list(synthetic_firms.columns)
    values = synthetic_firms.to_numpy(float)
    trend = recourser.basis.trend
    assert any(trend.values()), "no feature got a trend: the direction check would be vacuous"
    for i, plan, _ in plan_rows(results, synthetic_firms):
        assert 1 <= len(plan.features) <= recourser.settings.max_changes
        for j, value in zip(plan.features, plan.values, strict=True):
            start = values[i, j]
            assert names[j] != "Attr1"  # immutable
            assert np.isfinite(start)  # a gap is never filled
            assert space.low[j] <= value <= space.high[j]
            if names[j] == "Attr2":
                assert value > start  # declared one-way up
            elif trend.get(names[j]) == 1:
                assert value < start  # the bankrupt rate rises with it: only down
            elif trend.get(names[j]) == -1:
                assert value > start


def test_plans_are_diverse_and_cheapest_first(found):
    _, results = found
    for result in results:
        sets = [set(p.features) for p in result.plans]
        assert all(not (a <= b or b <= a) for k, a in enumerate(sets) for b in sets[k + 1 :])
        costs = [p.cost for p in result.plans]
        assert costs == sorted(costs) and all(c > 0 for c in costs)


def test_gaps_that_raise_the_pd_are_reported_apart(found, synthetic_firms):
    _, results = found
    values = synthetic_firms.to_numpy(float)
    names = list(synthetic_firms.columns)
    reported = [(i, r) for i, r in enumerate(results) if r.status != NOT_NEEDED and r.gaps]
    assert reported, "no flagged firm with a PD-raising gap: the check would be vacuous"
    for i, result in reported:
        for feature, pd_filled in result.gaps.items():
            assert not np.isfinite(values[i, names.index(feature)])
            assert pd_filled < result.pd
        assert list(result.gaps.values()) == sorted(result.gaps.values())


def test_an_impossible_target_leaves_every_flagged_firm_infeasible_with_its_closest_pd(
    synthetic_package, synthetic_basis, synthetic_firms
):
    recourser = Recourser(synthetic_package, Settings(target_pd=1e-9), basis=synthetic_basis)
    results = recourser.run(synthetic_firms.head(12))  # every firm is flagged: a few suffice
    assert {r.status for r in results} == {INFEASIBLE}
    for result in results:
        assert len(result.plans) <= 1
        for plan in result.plans:
            assert recourser.target <= plan.pd <= result.pd
        assert result.gaps_pd <= result.pd or not result.gaps


def test_the_table_has_the_documented_columns_and_reproduces_the_pd(
    found, synthetic_package, synthetic_firms
):
    _, results = found
    ids = pd.DataFrame({"company": [f"firm-{i}" for i in range(len(synthetic_firms))]})
    table = plans_frame(results, synthetic_firms, ids, first_row=100)
    names = list(synthetic_firms.columns)
    assert list(table.columns) == ["company", *COLUMNS, *names]
    lines = sum(max(1, len(r.plans)) if r.status != NOT_NEEDED else 1 for r in results)
    assert len(table) == lines and table["row"].min() == 100
    assert (table["company"] == "firm-" + (table["row"] - 100).astype(str)).all()
    rescored = synthetic_package.scores(table[names])
    np.testing.assert_allclose(rescored, table["p_bankrupt_after"], rtol=0, atol=1e-12)
    plans = table[table["status"] == PLAN]
    assert (
        plans["plan"].between(1, 3).all()
        and table.loc[table["status"] != PLAN, "plan"].isna().all()
    )
    for _, line in plans.iterrows():
        changes = json.loads(line["changes"])
        assert len(changes) == line["n_changes"]
        for feature, (start, end) in changes.items():
            assert line[feature] == end and start != end
        assert set(json.loads(line["data_gaps"])) <= set(names)


def test_feature_space_reads_the_contract_and_refuses_unknown_or_contradictory_names(
    synthetic_package,
):
    contract = synthetic_package.contract
    section = {"immutable": ["Attr3"], "one_way": {"Attr4": "down"}, "directions": "auto"}
    space = FeatureSpace.of(contract, section, {"Attr5": 1, "Attr6": -1})
    q = {f.name: f.quantiles for f in contract.features}
    j = space.names.index("Attr7")
    assert space.low[j] == q["Attr7"]["q0.01"] and space.high[j] == q["Attr7"]["q0.99"]
    assert space.spread[j] == pytest.approx(q["Attr7"]["q0.75"] - q["Attr7"]["q0.25"])
    moves = {n: (space.can_rise[k], space.can_fall[k]) for k, n in enumerate(space.names)}
    assert moves["Attr3"] == (False, False) and moves["Attr4"] == (False, True)
    assert moves["Attr5"] == (False, True) and moves["Attr6"] == (True, False)
    assert moves["Attr7"] == (True, True) and moves["Attr64"] == (False, False)  # constant
    freed = FeatureSpace.of(
        contract, section, {"Attr5": 1}, Overrides(mutable=["Attr3"], free=True)
    )
    assert freed.can_rise[space.names.index("Attr3")] and freed.can_rise[space.names.index("Attr5")]
    wide = FeatureSpace.of(contract, section, {}, range_quantile=0.001)
    assert wide.low[j] == q["Attr7"]["q0.001"]
    for overrides, message in [
        (Overrides(immutable=["Attr99"]), "--immutable names Attr99, not a feature of this model"),
        (Overrides(direction={"Attr1": "sideways"}), "--direction Attr1=sideways: write Attr1="),
        (Overrides(immutable=["Attr1"], direction={"Attr1": "up"}), "Attr1: both --immutable"),
    ]:
        with pytest.raises(UserError, match=message):
            FeatureSpace.of(contract, section, {}, overrides)
    with pytest.raises(UserError, match="--range 0.02: use one of"):
        FeatureSpace.of(contract, section, {}, range_quantile=0.02)


@pytest.mark.parametrize(
    "settings, message",
    [
        (Settings(target_pd=0.0), "--target-pd 0: a PD target lies strictly between 0 and 1"),
        (Settings(target_pd=1.5), "--target-pd 1.5: a PD target lies strictly between"),
        (Settings(plans=0), "--plans 0: ask for at least 1 plan"),
        (Settings(max_changes=0), "--max-changes 0: a plan changes at least 1 feature"),
        (Settings(target_pd=0.1, band="low"), "--target-pd and --target-band both given"),
    ],
)
def test_settings_that_cannot_work_are_one_line(settings, message):
    with pytest.raises(UserError, match=message):
        settings.check()


def test_a_band_target_is_its_upper_edge(synthetic_package, synthetic_basis):
    bands = synthetic_package.bands
    low = Recourser(synthetic_package, Settings(band="low"), basis=synthetic_basis)
    elevated = Recourser(synthetic_package, Settings(band="elevated"), basis=synthetic_basis)
    assert low.target == bands.elevated_from and elevated.target == synthetic_package.threshold
    with pytest.raises(UserError, match="--target-band high: choose low or elevated"):
        Recourser(synthetic_package, Settings(band="high"), basis=synthetic_basis)


def test_plausibility_scores_typical_healthy_firms_near_one_and_outliers_above_the_limit(
    synthetic_basis,
):
    reference = synthetic_basis.reference.to_numpy(float)
    healthy = synthetic_basis.healthy
    plausibility = Plausibility(reference, healthy)
    scores = plausibility.scores(reference[healthy][:200])
    assert 0.8 < np.median(scores) < 1.3  # the scale: a typical healthy firm (itself included)
    far = np.nanquantile(np.where(np.isfinite(reference), reference, np.nan), 0.999, axis=0)
    extreme = np.tile(far, (3, 1))
    assert (plausibility.scores(extreme) > plausibility.limit).all()
    assert plausibility.plausible(np.array([5.0]), np.array([6.0]))  # no worse than before
    assert not plausibility.plausible(np.array([plausibility.limit + 1]), np.array([0.5]))


def test_scorecard_entry_points_are_the_nearest_nice_value_of_the_bin_in_range(
    synthetic_package,
):
    space = FeatureSpace.of(synthetic_package.contract, None, {})
    j = space.names.index("Attr7")
    low, high, step = space.low[j], space.high[j], space.quantum[j]
    middle = (low + high) / 2
    up = _entry(middle, np.inf, space, j, start=low - 1)  # from below: the bin's bottom
    assert middle <= up < middle + step and up <= high
    down = _entry(-np.inf, middle, space, j, start=high + 1)  # from above: below its top edge
    assert middle - step <= down < middle and down >= low
    assert _entry(high + 1, np.inf, space, j, start=middle) is None  # outside the range
    assert _entry(-np.inf, np.inf, space, j, start=middle) == middle  # a gap: the median's bin


def test_tidy_values_and_plans_in_words():
    assert tidy(np.ceil(0.10400000000000001 / 0.001) * 0.001, 0.001) == 0.104
    assert list(tidy(np.array([1234567.0]), 1e4)) == [1234567.0]
    text = in_words({"Attr26": [0.12, 0.18], "Attr38": [0.5, 0.41]}, 0.31, 0.07)
    assert (
        text == "raise Attr26 from 0.12 to 0.18 and lower Attr38 from 0.5 to 0.41: PD 0.31 -> 0.07"
    )
    assert in_words({"Attr27": [None, 1.5]}, 0.4, 0.1).startswith("fill Attr27 with 1.5")


def test_a_firm_that_may_change_nothing_is_infeasible_on_one_unchanged_line(
    synthetic_package, synthetic_basis, synthetic_firms
):
    frozen = Overrides(immutable=list(synthetic_firms.columns))
    recourser = Recourser(synthetic_package, Settings(), frozen, synthetic_basis)
    flagged = synthetic_firms[synthetic_package.scores(synthetic_firms) >= recourser.target]
    results = recourser.run(flagged.head(5))
    assert [r.status for r in results] == [INFEASIBLE] * len(results) and results
    assert all(not r.plans for r in results)
    table = plans_frame(results, flagged.head(5))
    assert (table["n_changes"] == 0).all() and (
        table["p_bankrupt"] == table["p_bankrupt_after"]
    ).all()
