"""Recourse on a small real EBM (Polish year 1): the exact search is chosen, its plans reproduce
their PD through ``predict``, its single changes are the cheapest (brute force over every
value a plan may show), and the constraints hold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.recourse.engine import PLAN, Recourser, Settings
from bankruptcy.recourse.search import changed
from bankruptcy.serving.package import ModelPackage
from tests.helpers import ROOT, run_cli
from tests.recourse.test_real import polish_job

pytestmark = pytest.mark.slow  # a real job and commands

#: A small EBM fitted fast (few rounds, few pairs): the search reads its shapes, not its skill.
SMALL_EBM = ("model=ebm", "model.max_rounds=200", "model.interactions=4")


@pytest.fixture(scope="module")
def job(data_dir, tmp_path_factory):
    return polish_job(data_dir, tmp_path_factory.mktemp("ebm"), "ebm", *SMALL_EBM)


@pytest.fixture(scope="module")
def recourser(package, basis) -> Recourser:
    return Recourser(package, Settings(keep_implausible=True), basis=basis)


@pytest.fixture(scope="module")
def flagged(job, data_dir, package, recourser) -> pd.DataFrame:
    """The job's flagged test firms, contract order."""
    from bankruptcy.data.polish import load_polish

    rows = pd.read_csv(job / "predictions.csv")["row"]
    X = load_polish(1, data_dir=data_dir).X.loc[rows, package.contract.names]
    return X[package.scores(X) >= recourser.target].reset_index(drop=True)


def test_predict_on_the_plans_reproduces_their_pd(job, flagged, tmp_path):
    assert len(flagged) >= 10
    rows, out = tmp_path / "rows.csv", tmp_path / "plans.csv"
    flagged.to_csv(rows, index=False)
    done = run_cli("bankruptcy.recourse", str(job), str(rows), str(out), "--threads", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    plans = pd.read_csv(out)
    valid = plans["status"] == PLAN
    assert plans.loc[valid, "row"].nunique() >= 0.8 * len(flagged)
    scored = tmp_path / "scored.csv"
    done = run_cli("bankruptcy.predict", str(job), str(out), str(scored), cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    again = pd.read_csv(scored)["p_bankrupt"]
    np.testing.assert_allclose(again, plans["p_bankrupt_after"], rtol=0, atol=1e-9)
    threshold = ModelPackage.load(job / PACKAGE_DIR).threshold
    assert (plans.loc[valid, "p_bankrupt_after"] < threshold).all()
    assert (plans.loc[valid, "n_changes"] == 1).any()  # single changes among the plans


def nice_values(recourser, x: float, j: int, cost: float) -> np.ndarray:
    """Every value feature `j` of a firm at `x` may show in a plan that costs less than `cost`:
    the multiples of its quantum and its range's ends, in range, on the allowed side."""
    space = recourser.space
    step, reach = space.quantum[j], cost * space.spread[j]
    low, high = max(space.low[j], x - reach), min(space.high[j], x + reach)
    values = np.r_[np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step,
                   space.low[j], space.high[j]]  # fmt: skip
    allowed = ((values > x) & space.can_rise[j]) | ((values < x) & space.can_fall[j])
    inside = (values >= space.low[j]) & (values <= space.high[j])
    values = values[allowed & inside]
    return values[np.abs(values - x) / space.spread[j] < cost - 1e-12]


def cheaper_valid(recourser, x: np.ndarray, features, cost: float) -> list[tuple[int, float]]:
    """(feature, value) single changes of `features` cheaper than `cost` that reach the target,
    each firm scored through the whole package."""
    moves = [(j, v) for j in features for v in nice_values(recourser, x[j], j, cost)]
    if not moves:
        return []
    rows = np.repeat(x[None], len(moves), axis=0)
    rows[np.arange(len(moves)), [j for j, _ in moves]] = [v for _, v in moves]
    valid = recourser.score(rows) < recourser.target
    return [m for m, ok in zip(moves, valid, strict=True) if ok]


def test_single_changes_are_the_cheapest_by_brute_force(recourser, flagged):
    assert recourser.search.name == "ebm (exact single changes)"
    X = flagged.head(6).to_numpy(float)
    pools = recourser.search.pools(X, recourser.target)
    results = recourser.run(flagged.head(6))
    movable = np.flatnonzero(recourser.space.movable)
    checked = 0
    for x, pool, result in zip(X, pools, results, strict=True):
        singles = {c.features[0]: c for c in pool.valid if len(c.features) == 1}
        if not singles:
            continue
        for j, c in singles.items():  # the cheapest valid value of each feature
            assert recourser.score(changed(x, c)[None])[0] < recourser.target
            assert cheaper_valid(recourser, x, [j], c.cost) == []
        cheapest = min(c.cost for c in singles.values())  # and of all features
        assert cheaper_valid(recourser, x, movable, cheapest) == []
        for plan in result.plans:  # the engine returns them as found
            if result.status == PLAN and len(plan.features) == 1:
                assert plan.cost == pytest.approx(singles[plan.features[0]].cost, abs=1e-12)
                checked += 1
    assert checked >= 3


def test_plans_keep_the_constraints(package, recourser, flagged):
    space = recourser.space
    immutable = [space.names.index(n) for n in package.manifest["recourse"]["immutable"]]
    assert immutable  # conf/recourse/polish.yaml: Attr29 (the firm's size)
    X = flagged.to_numpy(float)
    moved = 0
    for x, result in zip(X, recourser.run(flagged), strict=True):
        for plan in result.plans if result.status == PLAN else []:
            for j, value in zip(plan.features, plan.values, strict=True):
                assert j not in immutable
                assert np.isfinite(x[j])  # a missing value stays missing
                assert space.low[j] <= value <= space.high[j]
                assert (space.can_rise[j] and value > x[j]) or (space.can_fall[j] and value < x[j])
                moved += 1
    assert moved >= 20


def test_a_gap_is_filled_only_when_asked(package, basis, flagged):
    gaps = flagged[flagged["Attr27"].isna()].head(8)
    assert len(gaps) >= 3
    j = package.contract.names.index("Attr27")
    kept = Recourser(package, Settings(keep_implausible=True), basis=basis).run(gaps)
    assert all(j not in p.features for r in kept for p in r.plans)
    filled = Settings(fill_gaps=True, keep_implausible=True)
    filled = Recourser(package, filled, basis=basis).run(gaps)
    assert any(j in p.features for r in filled if r.status == PLAN for p in r.plans)
    assert all(json.dumps(r.gaps) for r in kept) and any("Attr27" in r.gaps for r in kept)
