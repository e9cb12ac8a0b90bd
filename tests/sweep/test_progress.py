"""Progress lines computed from the sweep dir (shared by jobs in other processes)."""

from __future__ import annotations

import math

from hydra.conf import HydraConf
from omegaconf import OmegaConf

from bankruptcy.sweep import progress


def _config(task: list[str], params: dict | None = None, n_trials: int | None = None):
    hydra = OmegaConf.structured(HydraConf)
    hydra.overrides.task = task
    sweeper = {"params": params}
    if n_trials is not None:
        sweeper["n_trials"] = n_trials
    with_sweeper = OmegaConf.merge(hydra, {"sweeper": sweeper})
    return OmegaConf.create({"hydra": with_sweeper})


def test_expected_jobs_of_a_grid_counts_command_line_and_config_params():
    cfg = _config(["model=a,b,c", "seed=1"], params={"sampler": "none,smote"})
    assert progress.expected_jobs(cfg) == 6
    # The command line replaces a param of the same key.
    cfg = _config(["sampler=none", "model=range(0,4)"], params={"sampler": "none,smote"})
    assert progress.expected_jobs(cfg) == 4


def test_expected_jobs_of_search_and_glob():
    assert progress.expected_jobs(_config([], n_trials=20)) == 20
    assert progress.expected_jobs(_config(["experiment=glob(*)"])) is None


def test_record_counts_jobs_and_tracks_best_in_direction(tmp_path):
    progress.start(tmp_path, total=3)
    p = progress.record(tmp_path, {"job": 0, "status": "ok", "value": 0.3}, maximize=False)
    assert (p.done, p.total, p.best) == (1, 3, 0.3)
    progress.record(tmp_path, {"job": 1, "status": "failed", "value": math.nan}, maximize=False)
    p = progress.record(tmp_path, {"job": 2, "status": "skipped", "value": 0.1}, maximize=False)
    assert (p.done, p.failed, p.best) == (3, 1, 0.1)
    line = p.line("skipped", "model=svm", 0.1, "cv/brier")
    assert line.startswith("[3/3] skipped model=svm  cv/brier=0.1000  best=0.1000  failed=1")
