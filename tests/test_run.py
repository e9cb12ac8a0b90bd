"""End-to-end jobs on real data: output contract, W&B run on disk, determinism, CLI errors."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from functools import partial

import pandas as pd
import pytest

from bankruptcy.evaluation.metrics import METRICS
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import METRICS_FILE, PREDICTIONS_FILE
from tests.helpers import NO_ANALYSES, ROOT, run_cli
from tests.wandb_offline import read_offline_run, wandb_run_dirs

cli = partial(run_cli, "bankruptcy.run")


def test_job_writes_the_output_contract_and_logs_the_same_numbers(compose, tmp_path):
    cfg = compose(["model=logistic", "protocol.n_splits=3", "logger=wandb", *NO_ANALYSES])
    out = tmp_path / "job"
    metrics = run_job(cfg, JobInfo(out, name="t", tags=["model:logistic"]))

    written = json.loads((out / METRICS_FILE).read_text())
    assert written == pytest.approx(metrics, nan_ok=True)
    for name in METRICS:
        assert {f"cv/{name}", f"cv/{name}_std", f"test/{name}"} <= written.keys()
    assert written["fit_seconds"] > 0
    assert 0.5 < written["cv/roc_auc"] <= 1

    predictions = pd.read_csv(out / PREDICTIONS_FILE)
    assert len(predictions) == math.ceil(0.2 * 7027) and set(predictions.y_true) == {0, 1}
    assert predictions.p_bankrupt.between(0, 1).all()

    (run_dir,) = wandb_run_dirs(out)
    run = read_offline_run(run_dir)
    for key, value in written.items():
        if not key.endswith("_seconds"):
            assert run["summary"][key] == pytest.approx(value), key
    folds = [row for row in run["history"] if "fold/roc_auc" in row]
    assert len(folds) == 3
    mean = sum(r["fold/roc_auc"] for r in folds) / 3
    assert mean == pytest.approx(written["cv/roc_auc"])
    assert run["tags"] == ["model:logistic"] and run["config"]["model"]["C"] == 1.0
    (model,) = [a for a in run["artifacts"] if a["type"] == "model"]  # the package
    assert {"model.skops", "package.json", "MODEL_CARD.md", "reference_features.parquet"} <= set(
        model["files"]
    )


def test_same_config_same_numbers(compose, tmp_path):
    cfg = compose(
        [
            "model=random_forest",
            "model.n_estimators=30",
            "sampler=smote",
            "protocol.n_splits=3",
            "logger=none",
        ]
    )
    first = run_job(cfg, JobInfo(tmp_path / "a"))
    second = run_job(cfg, JobInfo(tmp_path / "b"))
    for key in (k for k in first if not k.endswith("_seconds")):
        assert first[key] == pytest.approx(second[key], nan_ok=True), key
    seeded = compose(
        [
            "model=random_forest",
            "model.n_estimators=30",
            "sampler=smote",
            "protocol.n_splits=3",
            "logger=none",
            "seed=7",
        ]
    )
    assert run_job(seeded, JobInfo(tmp_path / "c"))["test/roc_auc"] != first["test/roc_auc"]


def test_light_job_imports_neither_torch_lightning_nor_matplotlib(data_dir, tmp_path):
    """A non-MLP job never imports torch; without plots or interpretation, no matplotlib."""
    code = (
        "import runpy, sys\n"
        "sys.argv=['run','model=logistic','protocol.n_splits=2','logger=none','interpret=none',"
        f"'plots=none','hydra.run.dir={tmp_path / 'job'}','paths.data_dir={data_dir}']\n"
        "runpy.run_module('bankruptcy.run', run_name='__main__', alter_sys=True)\n"
        "print('heavy', *(m in sys.modules for m in ('torch', 'lightning', 'matplotlib')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (tmp_path / "job" / "metrics.json").is_file(), done.stderr[-2000:]
    assert "heavy False False False" in done.stdout


def test_unknown_option_lists_the_valid_ones(tmp_path):
    done = cli("model=svn", cwd=ROOT)
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: model=svn: model has no option 'svn'; choose from altman_z,")
    assert ", svm," in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["model=logistic", "model.C=-1"], "error: model.C=-1: The 'C' parameter of Logistic"),
        (["model=logistic", "+model.Cc=1"], "error: model.Cc=1: LogisticRegression has no "),
        (["model=logistic", "model.Cc=1"], "error: model.Cc=1: model has no option 'Cc'"),
        (["sampler=smote", "sampler.sampler.k_neighbors=0"], "sampler.sampler.k_neighbors=0:"),
        (["preprocess/scaler=standard", "+preprocess.scaler.with_men=false"], "with_men=false"),
        (["plots.kinds=[roc,rocc]"], "unknown plots.kinds ['rocc']"),
    ],
)
def test_bad_option_stops_before_any_data_is_read(tmp_path, args, message):
    """Data dir is empty: reaching the loader would say "not found" instead of the option."""
    done = cli(*args, "logger=none", f"paths.output_dir={tmp_path}", f"paths.data_dir={tmp_path}")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr[-2000:]


def test_launcher_without_its_library_names_the_extra_to_install(monkeypatch, capsys):
    """In-process, with Ray hidden: the check runs before Hydra composes anything."""
    from bankruptcy.cli import run

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n: None if n == "ray" else real(n))
    monkeypatch.setattr(sys, "argv", ["bankruptcy.run", "-m", "hydra/launcher=ray"])
    with pytest.raises(SystemExit) as done:
        run.console()
    assert str(done.value) == (
        "error: hydra/launcher=ray needs the ray package: "
        'pip install "bankruptcy[ray]" (or pip install -e ".[ray]")'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dataset=american"], "american/american_bankruptcy.csv not found"),
        (["dataset=polish", "dataset.year=9"], "dataset.year=9: The 'year' parameter"),
        (["protocol=temporal"], "needs a time column"),
        (["protocol.n_splits=400"], "only 271 bankrupt rows"),
        (["metrics.names=[roc_auc,auc]"], "unknown metric"),
    ],
)
def test_bad_input_is_one_clear_line(data_dir, tmp_path, args, message):
    done = cli(
        *args,
        "logger=none",
        f"paths.output_dir={tmp_path}",
        cwd=ROOT,
        env={"BANKRUPTCY_DATA_DIR": str(data_dir)},
    )
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_gradient_boosting_reaches_the_published_league(data_dir, tmp_path):
    done = cli(
        "dataset=polish",
        "dataset.year=1",
        "model=gradient_boosting",
        "sampler=none",
        f"paths.output_dir={tmp_path}",
        cwd=ROOT,
        env={"BANKRUPTCY_DATA_DIR": str(data_dir)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (path,) = tmp_path.glob("runs/*/*/metrics.json")
    metrics = json.loads(path.read_text())
    assert metrics["cv/roc_auc"] >= 0.94
    assert all(f"{stage}/{m}" in metrics for stage in ("cv", "test") for m in METRICS)


@pytest.mark.slow
def test_multirun_two_by_two_gives_four_jobs_and_four_wandb_runs(data_dir, tmp_path):
    done = cli(
        "-m",
        "model=logistic,dummy",
        "sampler=none,random_under",
        "protocol.n_splits=2",
        f"paths.output_dir={tmp_path}",
        f"hydra.sweep.dir={tmp_path}/sweep",
        cwd=ROOT,
        env={"BANKRUPTCY_DATA_DIR": str(data_dir)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = sorted(p.parent for p in (tmp_path / "sweep").glob("*/metrics.json"))
    assert len(jobs) == 4
    runs = [read_offline_run(d) for job in jobs for d in wandb_run_dirs(job)]
    assert len(runs) == 4
    assert len({r["group"] for r in runs}) == 1 and runs[0]["group"]
    combos = {tuple(sorted(t for t in r["tags"] if not t.startswith("dataset"))) for r in runs}
    assert len(combos) == 4
