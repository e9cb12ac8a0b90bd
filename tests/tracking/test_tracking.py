"""Tracking: native charts and config choices reach the W&B run; logger=none never loads W&B."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from bankruptcy.core.artifacts import Chart
from bankruptcy.tracking.keys import choice_keys
from bankruptcy.tracking.offline import find_runs, read_run, run_dirs
from bankruptcy.tracking.wandb_tracker import WandbTracker
from tests.helpers import ROOT
from tests.wandb_offline import read_table


def test_choice_keys_are_flat_and_leave_out_hydra_and_unset_groups():
    choices = {"model": "svm", "preprocess/scaler": "robust", "hydra/launcher": "basic",
               "experiment": None}  # fmt: skip
    assert choice_keys(choices) == {"choice/model": "svm", "choice/preprocess/scaler": "robust"}


def test_offline_run_reads_back_a_chart_its_config_and_its_identity(tmp_path):
    chart = Chart(
        pd.DataFrame({"class": ["test"] * 3, "fpr": [0, 0.5, 1], "tpr": [0, 0.9, 1]}),
        "wandb/area-under-curve/v0",
        {"x": "fpr", "y": "tpr", "class": "class"},
        {"title": "ROC"},
    )
    tracker = WandbTracker(mode="offline")
    config = {"model": {"C": 0.5}, "choice/model": "logistic"}
    with tracker.start(name="j", config=config, directory=tmp_path, group="g", job_type="train"):
        tracker.log_chart("charts/roc_test", chart)
        tracker.log_summary({"cv/pr_auc": 0.5})
    (run,) = find_runs(tmp_path)
    assert run == read_run(run_dirs(tmp_path)[0])
    assert (run.name, run.group, run.job_type, run.project) == ("j", "g", "train", "bankruptcy")
    assert run.id and run.id in run.path.name
    assert run.config_value("model.C") == 0.5 and run.config_value("choice/model") == "logistic"
    assert run.config_value("model.gamma") is None
    panel = run.charts["charts/roc_test"]["panel_config"]
    assert (
        panel["panelDefId"] == "wandb/area-under-curve/v0" and panel["fieldSettings"]["x"] == "fpr"
    )
    assert {"charts/roc_test_table"} <= run.history_keys and run.summary["cv/pr_auc"] == 0.5
    table = read_table(run.path, "charts/roc_test_table")
    pd.testing.assert_frame_equal(table, chart.table, check_dtype=False)


def test_job_without_wandb_logger_never_imports_wandb(data_dir, tmp_path):
    """logger=none with the default plots: the charts are built, then ignored, W&B never loaded."""
    code = (
        "import runpy, sys\n"
        "sys.argv=['run','dataset=qualitative','model=logistic','protocol.n_splits=2',"
        "'logger=none','interpret=none','bootstrap=none',"
        f"'hydra.run.dir={tmp_path / 'job'}','paths.data_dir={data_dir}']\n"
        "runpy.run_module('bankruptcy.run', run_name='__main__', alter_sys=True)\n"
        "print('wandb loaded', 'wandb' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (tmp_path / "job" / "plots" / "roc.png").is_file(), done.stderr[-2000:]
    assert "wandb loaded False" in done.stdout
