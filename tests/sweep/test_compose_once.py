"""The default sweeper composes each job's config once, and still validates a batch up front."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from hydra_plugins.bankruptcy_sweeper import compose_once
from hydra_plugins.bankruptcy_sweeper.compose_once import ComposeOnce
from tests.helpers import ROOT, run_cli, sweep_args


class CountingLoader:
    """Stands in for Hydra's config loader: a new object per composition, counted."""

    def __init__(self):
        self.composed = []

    def load_sweep_config(self, master_config, sweep_overrides):
        config = {"overrides": list(sweep_overrides)}
        self.composed.append(config)
        return config

    def get_search_path(self):
        return "search path"


def test_launcher_gets_the_validated_config_once_then_a_new_one():
    loader = CountingLoader()
    proxy = ComposeOnce(loader)
    batch = [["model=svm"], ["model=logistic"]]
    proxy.validate({}, batch)
    assert len(loader.composed) == 2
    launched = [proxy.load_sweep_config({}, overrides) for overrides in batch]
    assert launched == loader.composed and len(loader.composed) == 2  # nothing recomposed
    again = proxy.load_sweep_config({}, ["model=svm"])  # e.g. a launcher retrying a job
    assert len(loader.composed) == 3 and again is not launched[0]
    assert proxy.get_search_path() == "search path"  # the rest is Hydra's loader


def test_duplicate_jobs_get_their_own_config_objects():
    loader = CountingLoader()
    proxy = ComposeOnce(loader)
    batch = [["model=svm"], ["model=svm"]]
    proxy.validate({}, batch)
    first, second = (proxy.load_sweep_config({}, overrides) for overrides in batch)
    assert first is not second  # a launcher writes the job's number into its config


def test_leftovers_of_a_batch_go_and_big_batches_are_capped(monkeypatch):
    monkeypatch.setattr(compose_once, "KEPT", 2)
    loader = CountingLoader()
    proxy = ComposeOnce(loader)
    proxy.validate({}, [["seed=1"], ["seed=2"], ["seed=3"]])
    assert len(proxy._validated) == 2
    proxy.validate({}, [["seed=4"]])  # a launcher composing in its workers never asked
    assert list(proxy._validated) == [("seed=4",)]


def test_pickled_it_is_hydras_loader_without_the_configs():
    proxy = ComposeOnce(CountingLoader())
    proxy.validate({}, [["model=svm"]])
    restored = pickle.loads(pickle.dumps(proxy))
    assert type(restored) is CountingLoader and restored.composed == [{"overrides": ["model=svm"]}]


@pytest.mark.slow
def test_a_real_multirun_composes_each_job_once(tmp_path, data_dir):
    sweep = tmp_path / "sweep"
    args = sweep_args(sweep, data_dir, "dataset=qualitative", "model=logistic,dummy",
                      "seed=1,2", "protocol.n_splits=2", "logger=none")  # fmt: skip
    done = run_cli("tests.sweep.count_compositions", *args, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "job configs composed: 4" in done.stderr  # Hydra's basic sweeper: 8
    board = pd.read_csv(sweep / "leaderboard.csv")
    assert sorted(board["overrides"].str.extract(r"(model=\w+ seed=\d)")[0]) == [
        "model=dummy seed=1", "model=dummy seed=2", "model=logistic seed=1",
        "model=logistic seed=2",
    ]  # fmt: skip


def test_a_bad_override_stops_the_sweep_before_any_job_runs(tmp_path, data_dir):
    sweep = tmp_path / "sweep"
    args = sweep_args(sweep, data_dir, "dataset=qualitative", "model=logistic,svn", "logger=none")
    done = run_cli("bankruptcy.run", *args, cwd=ROOT)
    assert done.returncode != 0 and "model has no option 'svn'" in done.stderr
    assert not (sweep / "0").exists()  # the valid first job never started
