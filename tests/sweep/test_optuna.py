"""Optuna search through the hparams_search configs: trials in SQLite, continued, not restarted."""

from __future__ import annotations

import pandas as pd
import pytest

from bankruptcy.cli.report import main as report
from bankruptcy.sweep.jobs import collect_jobs
from tests.helpers import run_sweep

pytestmark = pytest.mark.slow
optuna = pytest.importorskip("optuna", reason="optional extra: pip install 'bankruptcy[optuna]'")


def test_search_continues_from_sqlite_and_keeps_every_trial(tmp_path, data_dir):
    sweep = tmp_path / "search"
    overrides = [
        "hparams_search=logistic_optuna", "dataset=qualitative", "logger=none",
        "protocol.n_splits=2", "hydra.sweeper.n_trials=2",
        "hydra.sweeper.sampler.n_startup_trials=1",
    ]  # fmt: skip
    run_sweep(sweep, data_dir, *overrides)
    run_sweep(sweep, data_dir, *overrides)  # same dir: the study goes on

    study = optuna.load_study(study_name="logistic", storage=f"sqlite:///{sweep}/optuna.db")
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 4
    jobs = collect_jobs(sweep)  # the first run's job dirs were reused, their results archived
    assert len(jobs) == 4 and all(j.status == "ok" for j in jobs)
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert board["cv/pr_auc"].max() == pytest.approx(study.best_value)
    c_values = sorted(float(t.params["model.C"]) for t in complete)
    assert sorted(board["model.C"].astype(float)) == pytest.approx(c_values)
    assert all(0.001 <= c <= 100 for c in c_values)  # the config's log-scale range
    # The Optuna sweeper writes no multirun.yaml; the callback does, so reports work.
    assert report([str(sweep), "--record", str(tmp_path / "record")]) == 0
    readme = (tmp_path / "record" / "README.md").read_text()
    assert "python -m bankruptcy.run -m " in readme and " hparams_search=logistic_optuna " in readme
