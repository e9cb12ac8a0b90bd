"""Recourse on the real Polish data: the command's plans re-scored by ``predict``, the data-gap
trap (Attr27), actionability, targets, and the scorecard's exact plans against brute force."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.recourse.constraints import Overrides
from bankruptcy.recourse.engine import (
    INFEASIBLE,
    NOT_NEEDED,
    PLAN,
    Plan,
    Recourser,
    Settings,
    _diverse,
)
from bankruptcy.recourse.scorecard import _entry
from bankruptcy.serving.package import ModelPackage
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES, ROOT, run_cli

pytestmark = pytest.mark.slow  # real jobs and commands


def polish_job(data_dir, root, name: str, *overrides: str):
    cfg = compose_config(
        [
            f"paths.data_dir={data_dir}",
            f"paths.output_dir={root}",
            "dataset=polish",
            "dataset.year=1",
            "protocol.n_splits=3",
            "logger=none",
            "threads=1",
            *NO_ANALYSES,
            *overrides,
        ]
    )
    run_job(cfg, JobInfo(root / name, name=name))
    return root / name


@pytest.fixture(scope="module")
def job(data_dir, tmp_path_factory):
    """The default package (LightGBM) on Polish year 1."""
    return polish_job(data_dir, tmp_path_factory.mktemp("recourse"), "default")


@pytest.fixture(scope="module")
def test_rows(job, data_dir, tmp_path_factory):
    """The job's test rows as a user's CSV: an id column, then the ratios."""
    from bankruptcy.data.polish import load_polish

    rows = pd.read_csv(job / "predictions.csv")["row"]
    X = load_polish(1, data_dir=data_dir).X.loc[rows].reset_index(drop=True)
    X.insert(0, "company", [f"firm-{r}" for r in rows])
    path = tmp_path_factory.mktemp("rows") / "test_rows.csv"
    X.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def plans(job, test_rows, tmp_path_factory):
    """``python -m bankruptcy.recourse`` on the test rows, defaults (a CSV of plans)."""
    out = tmp_path_factory.mktemp("plans") / "plans.csv"
    done = run_cli("bankruptcy.recourse", str(job), str(test_rows), str(out), "--threads", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "with plans" in done.stdout
    return pd.read_csv(out)


def test_predict_on_the_plans_reproduces_their_pd(job, plans, tmp_path):
    scored = tmp_path / "scored.csv"
    plans.to_csv(tmp_path / "in.csv", index=False)
    done = run_cli("bankruptcy.predict", str(job), str(tmp_path / "in.csv"), str(scored), cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    again = pd.read_csv(scored)
    assert (plans["status"] == PLAN).sum() >= 30  # most of the ~40 flagged firms, 3 plans each
    np.testing.assert_allclose(again["p_bankrupt"], plans["p_bankrupt_after"], rtol=0, atol=1e-9)
    valid = plans["status"] == PLAN
    threshold = ModelPackage.load(job / PACKAGE_DIR).threshold
    assert (plans.loc[valid, "p_bankrupt_after"] < threshold).all()
    assert (again["company"] == plans["company"]).all()  # the identifiers are kept


def test_not_needed_firms_are_one_unchanged_line_each(plans, test_rows):
    rows = pd.read_csv(test_rows)
    calm = plans[plans["status"] == NOT_NEEDED]
    assert len(calm) == calm["row"].nunique() > 1000
    assert (calm["p_bankrupt"] == calm["p_bankrupt_after"]).all() and (calm["n_changes"] == 0).all()
    original = rows.loc[calm["row"]].reset_index(drop=True)
    features = [c for c in rows.columns if c != "company"]
    pd.testing.assert_frame_equal(calm[features].reset_index(drop=True), original[features])


def test_a_missing_attr27_stays_missing_and_is_reported_as_a_data_gap(plans, test_rows):
    rows = pd.read_csv(test_rows)
    flagged = plans[plans["status"] != NOT_NEEDED]
    gap = flagged[rows.loc[flagged["row"], "Attr27"].isna().to_numpy()]
    assert gap["row"].nunique() >= 10  # most flagged firms lack Attr27 (the trap)
    assert gap["Attr27"].isna().all()  # in every plan
    assert all("Attr27" not in json.loads(c) for c in gap["changes"])
    named = [json.loads(g) for g in gap.drop_duplicates("row")["data_gaps"]]
    assert sum("Attr27" in g for g in named) >= 0.8 * len(named)
    for g, p in zip(named, gap.drop_duplicates("row")["p_bankrupt"], strict=True):
        assert all(value < p for value in g.values())


def test_filling_gaps_is_an_option_and_its_plans_say_so(job, test_rows, tmp_path):
    out = tmp_path / "filled.csv"
    done = run_cli(
        "bankruptcy.recourse", str(job), str(test_rows), str(out), "--fill-gaps", "--threads", "1"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = pd.read_csv(out)
    filled = [c for c in found.loc[found["status"] == PLAN, "changes"] if "[null," in c]
    assert filled, "no plan filled a gap although filling Attr27 lowers the PD the most"


def test_immutable_and_one_way_features_move_only_as_allowed(package, basis, test_rows):
    assert package.manifest["recourse"]["immutable"] == ["Attr29"]  # conf/recourse/polish.yaml
    X = package.contract.check(pd.read_csv(test_rows)).X
    flagged = X[package.scores(X) >= package.threshold]
    # Attr34 has no trend on these rows (plans move it both ways): declared one-way up here
    overrides = Overrides(immutable=["Attr46"], direction={"Attr34": "up"})
    recourser = Recourser(package, Settings(), overrides, basis)
    trend = recourser.basis.trend
    moved = {"trend": 0, "Attr34": 0}
    for x, result in zip(flagged.to_numpy(float), recourser.run(flagged), strict=True):
        for plan in result.plans:
            for j, value in zip(plan.features, plan.values, strict=True):
                name = recourser.space.names[j]
                assert name not in ("Attr29", "Attr46")
                if name == "Attr34":
                    assert value > x[j]
                    moved["Attr34"] += 1
                elif trend[name]:
                    assert np.sign(value - x[j]) == -trend[name]  # lowers the bankrupt rate
                    moved["trend"] += 1
    assert moved["trend"] >= 10 and moved["Attr34"] >= 1


def test_an_impossible_target_is_infeasible_and_a_firm_below_a_target_is_not_needed(
    package, basis, test_rows
):
    X = package.contract.check(pd.read_csv(test_rows)).X
    pd_ = package.scores(X)
    riskiest = X.iloc[np.argsort(-pd_)[:3]]
    impossible = Recourser(package, Settings(target_pd=1e-6), basis=basis).run(riskiest)
    assert [r.status for r in impossible] == [INFEASIBLE] * 3
    assert all(r.plans and 1e-6 <= r.plans[0].pd < r.pd for r in impossible)
    above = Recourser(package, Settings(target_pd=float(pd_.max()) + 1e-6), basis=basis)
    above = above.run(riskiest)
    assert [r.status for r in above] == [NOT_NEEDED] * 3


@pytest.fixture(scope="module")
def small_scorecard(data_dir, tmp_path_factory):
    """A scorecard of four features on Polish year 1."""
    return polish_job(
        data_dir, tmp_path_factory.mktemp("scorecard"), "scorecard",
        "model=scorecard", "model.max_features=4",
    )  # fmt: skip


def brute_force(recourser, x: np.ndarray, plans: int) -> list[tuple[float, frozenset]]:
    """The cheapest diverse valid plans over every assignment of bins (the firm's own bin
    included) of the scorecard's features, each scored through the whole package."""
    model, space = recourser.package.pipeline[-1], recourser.space
    choices = []
    for name, splits in zip(model.features_, model.splits_, strict=True):
        j = space.names.index(name)
        edges = np.r_[-np.inf, splits, np.inf]
        options = [None]
        if np.isfinite(x[j]):
            now = int(np.searchsorted(splits, x[j], side="right"))
            for b in range(len(splits) + 1):
                up = b > now
                if b != now and (space.can_rise[j] if up else space.can_fall[j]):
                    value = _entry(edges[b], edges[b + 1], space, j, x[j])
                    if value is not None:
                        options.append((j, value))
        choices.append(options)
    rows, changes = [], []
    for combo in itertools.product(*choices):
        moves = [m for m in combo if m is not None]
        if 0 < len(moves) <= recourser.settings.max_changes:
            row = x.copy()
            for j, value in moves:
                row[j] = value
            rows.append(row)
            changes.append(moves)
    pd_ = recourser.score(np.array(rows))
    found = sorted(
        (sum(abs(v - x[j]) / space.spread[j] for j, v in moves), tuple(j for j, _ in moves))
        for moves, p in zip(changes, pd_, strict=True)
        if p < recourser.target
    )
    chosen: list[Plan] = []
    for cost, features in found:
        if len(chosen) < plans and _diverse(features, chosen):
            chosen.append(Plan(features, (), 0.0, cost, 0.0))
    return [(p.cost, frozenset(p.features)) for p in chosen]


def test_the_scorecards_exact_plans_are_the_cheapest_by_brute_force(small_scorecard, data_dir):
    from bankruptcy.data.polish import load_polish

    package = ModelPackage.load(small_scorecard / PACKAGE_DIR)
    recourser = Recourser(package, Settings(keep_implausible=True))
    assert recourser.search.name == "scorecard (exact)"
    rows = pd.read_csv(small_scorecard / "predictions.csv")["row"]
    X = load_polish(1, data_dir=data_dir).X.loc[rows, package.contract.names]
    flagged = X[package.scores(X) >= recourser.target].head(8)
    assert len(flagged) >= 5
    results = recourser.run(flagged)
    compared = 0
    for x, result in zip(flagged.to_numpy(float), results, strict=True):
        expected = brute_force(recourser, x, recourser.settings.plans)
        got = [(p.cost, frozenset(p.features)) for p in result.plans if result.status == PLAN]
        assert [f for _, f in got] == [f for _, f in expected]
        np.testing.assert_allclose([c for c, _ in got], [c for c, _ in expected], rtol=1e-12)
        compared += len(got)
    assert compared >= 5
