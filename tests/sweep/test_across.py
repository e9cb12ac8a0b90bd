"""``report --across``: what a dataset and a method are, the table, the files, bad inputs.

Recorded studies (``experiments/<study>/leaderboard.csv``) are real results; the sweep dirs
written here hold only what the ranking reads of a job (overrides, saved config, Hydra's
choices, record, metrics), to test how datasets and methods are told apart.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml

from bankruptcy.cli.report import main
from bankruptcy.evaluation.ranking import rank_methods
from bankruptcy.sweep.across import AcrossError, gather
from bankruptcy.sweep.jobs import write_record
from tests.helpers import ROOT

RECORDED = [ROOT / "experiments" / s for s in ("polish_benchmark", "polish_year5_benchmark")]
QUALITATIVE = ROOT / "experiments" / "qualitative_benchmark"
SHARED = [
    f"model={m} sampler={s}"
    for m in ("gradient_boosting", "logistic", "random_forest")
    for s in ("none", "smote")
]


def test_recorded_studies_rank_with_their_leaderboards_order_and_ties_averaged():
    study = gather([*RECORDED, QUALITATIVE])
    assert list(study.scores.index) == [*(s.name for s in RECORDED), QUALITATIVE.name]
    assert sorted(study.scores.columns) == sorted(SHARED)
    assert study.method_keys == ["model", "sampler"] and study.metric == "cv/pr_auc"
    # each study set its dataset in its own experiment file: not part of a method
    assert set(study.per_dataset) == {"experiment"}
    assert len(study.left_out) == 12  # svm, tree, dummy, random_under: only on Qualitative
    ranking = rank_methods(study.scores, study.maximize)
    for source in RECORDED:
        board = pd.read_csv(source / "leaderboard.csv")[["rank", "model", "sampler"]]
        board = board.assign(method="model=" + board["model"] + " sampler=" + board["sampler"])
        expected = board[board["method"].isin(SHARED)].sort_values("rank")["method"]
        ranks = ranking.ranks.loc[source.name].sort_values()
        assert list(ranks.index) == list(expected) and list(ranks) == [1, 2, 3, 4, 5, 6]
    # every method scores 1.0 on Qualitative: six-way tie, each the average rank 3.5
    assert (ranking.ranks.loc[QUALITATIVE.name] == 3.5).all()
    means = ranking.ranks.mean()
    plain = 12 * 3 / (6 * 7) * ((means**2).sum() - 6 * 7**2 / 4)  # Demšar, by hand
    assert ranking.friedman == pytest.approx(plain / (1 - (6**3 - 6) / (3 * 6 * 35)))


POLISH_1 = ("polish", {"year": 1, "file": None})


def write_job(sweep, num, overrides, value, dataset=POLISH_1, seed=42, status="ok"):
    """A job dir as the ranking reads it: overrides, saved config, choices, record, metrics."""
    job = sweep / str(num)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    name, options = dataset
    node = {"_target_": f"loaders.{name}", **options, "data_dir": "${paths.data_dir}"}
    config = {"dataset": node, "seed": seed}  # in config order, as Hydra saves it
    (job / ".hydra" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    given = dict(o.split("=", 1) for o in overrides)
    choices = {"dataset": name, "model": given.get("model", "lightgbm"), "sampler": "none"}
    hydra = {"hydra": {"runtime": {"choices": choices}}}
    (job / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(hydra))
    write_record(job, {"overrides": overrides, "status": status, "finished": 1.0})
    if status == "ok":
        (job / "metrics.json").write_text(json.dumps({"cv/pr_auc": value, "cv/roc_auc": 0.9}))
    if num == 0:
        (sweep / "multirun.yaml").write_text(yaml.safe_dump({"objective": "cv/pr_auc"}))


def polish_sweep(root, year, values, extra=(), file=None):
    """A sweep of models a, b, c (sampler left at its default) on Polish year `year`."""
    sweep = root / f"year{year}"
    dataset = ("polish", {"year": year, "file": file})
    for num, (model, value) in enumerate(zip("abc", values, strict=True)):
        write_job(sweep, num, [f"model={model}", *extra], value, dataset)
    return sweep


def test_datasets_come_from_the_saved_config_and_methods_from_what_varies(tmp_path):
    sweeps = [
        polish_sweep(tmp_path, 1, [0.5, 0.6, 0.7]),
        polish_sweep(tmp_path, 3, [0.4, 0.6, 0.5], extra=["sampler=none"]),
        polish_sweep(tmp_path, 5, [0.5, 0.7, 0.6], extra=["dataset.year=5"]),
    ]
    study = gather(sweeps)
    # a default sampler and an explicit sampler=none are the same method
    assert study.method_keys == ["model"]
    assert list(study.scores.columns) == ["model=a", "model=b", "model=c"]
    assert list(study.scores.index) == ["polish year=1", "polish year=3", "polish year=5"]
    assert study.scores.loc["polish year=3", "model=c"] == 0.5
    assert study.per_dataset == {}  # sampler=none on year 3 is every dataset's sampler


def test_a_dataset_is_named_by_the_fewest_settings_that_tell_it_apart(tmp_path):
    sweeps = [
        polish_sweep(tmp_path, 1, [0.5, 0.6, 0.7]),
        # the file differs with the year: the year alone tells the two apart
        polish_sweep(tmp_path, 3, [0.4, 0.6, 0.5], file="3year_rounded.arff"),
        tmp_path / "qualitative",
    ]
    for num, model in enumerate("abc"):  # another loader: its own name, no year
        write_job(sweeps[2], num, [f"model={model}"], 0.9, ("qualitative", {"form": "uci"}))
    study = gather(sweeps)
    assert list(study.scores.index) == ["polish year=1", "polish year=3", "qualitative"]


def test_seeds_are_datasets_by_default_and_methods_otherwise(tmp_path):
    sweep = tmp_path / "seeds"
    for num, (model, seed) in enumerate((m, s) for m in "abc" for s in (1, 2, 3)):
        write_job(sweep, num, [f"model={model}", f"seed={seed}"], 0.1 * num, seed=seed)
    study = gather([sweep])
    assert list(study.scores.index) == ["polish seed=1", "polish seed=2", "polish seed=3"]
    with pytest.raises(AcrossError, match=r"^1 dataset\(s\) \(polish\): a ranking across"):
        gather([sweep], dataset_keys=["dataset"])  # seeds are then part of the methods


def test_a_failed_job_leaves_its_method_out_and_says_so(tmp_path):
    sweeps = [polish_sweep(tmp_path, year, [0.5, 0.6, 0.7]) for year in (1, 3, 5)]
    write_job(sweeps[0], 3, ["model=d"], 0.9, status="failed")
    write_job(sweeps[1], 3, ["model=d"], 0.9, ("polish", {"year": 3, "file": None}))
    study = gather(sweeps)
    assert study.left_out == {"model=d": ["polish year=1", "polish year=5"]}
    assert list(study.scores.columns) == ["model=a", "model=b", "model=c"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("two_datasets", r"^2 dataset\(s\) \(polish year=1, polish year=3\): a ranking across"),
        ("two_methods", r"^the datasets share 2 method\(s\) \(model=a, model=b\); a ranking"),
        ("no_methods", r"^the datasets share 0 method\(s\) \(none\); .* polish year=5: model=x"),
        ("twice", r"^model=a appears twice on dataset polish year=1 \(.*\): pass each sweep once"),
        ("metrics_differ", r"^the inputs rank by different metrics \(.*: cv/pr_auc; .*: cv/f1\)"),
        ("missing_metric", r"^--objective cv/mcc: not reported by .*; it reports cv/pr_auc, "),
        ("not_a_sweep", r"holds no job dirs and no leaderboard.csv: pass sweep dirs or recorded"),
    ],
)
def test_inputs_that_cannot_be_ranked_are_one_line_exit_2(tmp_path, capsys, case, message):
    sweeps = [polish_sweep(tmp_path, year, [0.5, 0.6, 0.7]) for year in (1, 3, 5)]
    objective = []
    if case == "two_datasets":
        sweeps = sweeps[:2]
    elif case == "two_methods":
        (sweeps[2] / "2" / "job.json").unlink()  # model=c never ran on year 5
        (sweeps[2] / "2" / ".hydra" / "overrides.yaml").unlink()
    elif case == "no_methods":
        for num in range(3):
            overrides = [f"model=x{num}" if num else "model=x"]
            (sweeps[2] / str(num) / ".hydra" / "overrides.yaml").write_text(yaml.dump(overrides))
            write_record(sweeps[2] / str(num), {"overrides": overrides, "status": "ok"})
    elif case == "twice":
        sweeps.append(sweeps[0])
    elif case == "metrics_differ":
        (sweeps[2] / "multirun.yaml").write_text(yaml.safe_dump({"objective": "cv/f1"}))
    elif case == "missing_metric":
        objective = ["--objective", "cv/mcc"]
    elif case == "not_a_sweep":
        sweeps[1] = tmp_path / "empty"
        sweeps[1].mkdir()
    code = main(["--across", *map(str, sweeps), *objective, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert re.search(message, err.removeprefix("error: ")), err
    assert not (tmp_path / "out").exists()  # nothing written


def test_the_command_writes_tables_pages_and_the_diagram(tmp_path, capsys):
    out = tmp_path / "ranked"
    args = ["--across", *map(str, RECORDED), str(QUALITATIVE), "--out", str(out), "--rope", "0.01"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Datasets (3, told apart by dataset, seed)" in printed and "Friedman chi2" in printed
    ranking = pd.read_csv(out / "ranking.csv", index_col="method")
    assert ranking.index[0] == "model=gradient_boosting sampler=none"
    assert {"mean_rank", "holm_p", "nemenyi_p", "p_equivalent"} <= set(ranking.columns)
    scores = pd.read_csv(out / "scores.csv", index_col="dataset")
    logistic = scores.loc["polish_benchmark", "model=logistic sampler=none"]
    assert logistic == pytest.approx(0.6448, abs=1e-4)  # the recorded leaderboard's value
    page = (out / "ranking.md").read_text()
    assert "| polish_benchmark | 0.7626 (1) |" in page and "| mean rank | 1.83 |" in page
    assert "Left out, no result on polish_benchmark, polish_year5_benchmark" in page
    html = (out / "ranking.html").read_text()
    assert "<svg" in html and "CD = 4.35" in html  # the diagram inline, its critical difference
    assert (out / "cd_diagram.png").read_bytes()[:4] == b"\x89PNG"
    assert "gradient_boosting / none" in (out / "cd_diagram.svg").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "pass one sweep dir, or --across"),
        (["a", "--across", "b"], "pass one sweep dir, or --across"),
        (["--across", "a", "--rerun-best"], "not with --across"),
        (["--across", "a", "--alpha", "1.5"], "1.5: use a level between 0 and 1"),
        (["--across", "a", "--rope", "0"], "0: use a positive width"),
    ],
)
def test_bad_command_lines_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 2 and message in capsys.readouterr().err
