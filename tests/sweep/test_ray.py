"""Sweeps on Ray (``hydra/launcher=ray``): options, and real multiruns on local Ray instances.

The slow tests start Ray for real on 127.0.0.1 with 2 CPUs: one instance the sweep command
starts itself (the default), and one this test process starts as "an existing cluster" the
resumed sweep connects to. Neither may leave a process behind.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.outputs import ERROR_FILE, METRICS_FILE, JobStatus
from bankruptcy.sweep import progress
from bankruptcy.sweep.jobs import collect_jobs, read_record
from hydra_plugins.bankruptcy_ray_launcher import RayLauncher
from tests.conftest import compose_config
from tests.helpers import run_cli, run_sweep, sweep_args

RAY_CPUS = 2  # this machine's share for a test's Ray


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"num_cpus": 0}, "hydra.launcher.num_cpus=0: use a positive number of CPUs per job"),
        ({"num_cpus": "two"}, "hydra.launcher.num_cpus=two: use a positive number"),
        ({"memory_gb": -1}, "hydra.launcher.memory_gb=-1: use a positive number of GB per job"),
        ({"max_retries": -1}, "hydra.launcher.max_retries=-1: use 0 or more"),
        ({"local": {"num_cpus": 1.5}}, "hydra.launcher.local.num_cpus=1.5: use a positive"),
        ({"address": " "}, r"hydra.launcher.address= : use local \(a Ray started for"),
    ],
)
def test_bad_launcher_options_are_one_line(options, message):
    with pytest.raises(UserError, match=f"^{message}"):
        RayLauncher(**options)


def test_a_bad_option_stops_the_sweep_command_before_ray_starts(tmp_path):
    done = run_cli(
        "bankruptcy.run", "-m", "hydra/launcher=ray", "hydra.launcher.num_cpus=0",
        "model=logistic", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode != 0
    assert done.stderr.strip() == (
        "error: hydra.launcher.num_cpus=0: use a positive number of CPUs per job"
    )
    assert not (tmp_path / "sweep" / "0").exists()


def test_task_and_init_options_follow_the_config(monkeypatch):
    launcher = RayLauncher(num_cpus=2, memory_gb=1.5, remote={"resources": {"big": 1}})
    assert launcher.task_options() == {
        "num_cpus": 2, "max_retries": 1, "memory": int(1.5 * 1024**3), "resources": {"big": 1},
    }  # fmt: skip
    local = RayLauncher(local={"num_cpus": 2}).init_options()
    assert local == {"address": "local", "include_dashboard": False, "num_cpus": 2}
    assert RayLauncher().driver_env()["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"  # 127.0.0.1
    monkeypatch.setenv("BANKRUPTCY_DATA_DIR", "/shared/data")
    monkeypatch.delenv("WANDB_MODE", raising=False)
    forward = ["BANKRUPTCY_DATA_DIR", "WANDB_MODE"]  # only those set are given to the jobs
    cluster = RayLauncher(address="ray://head:10001", forward_env=forward)
    env = {"BANKRUPTCY_DATA_DIR": "/shared/data"}
    assert cluster.init_options() == {
        "address": "ray://head:10001",
        "runtime_env": {"env_vars": env},
    }
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in cluster.driver_env()
    loopback = RayLauncher(address="127.0.0.1:6379").driver_env()
    assert loopback["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"


def test_a_job_larger_than_the_local_ray_is_refused_in_one_line():
    cluster = {"CPU": 2.0, "memory": 8 * 1024**3}
    RayLauncher(num_cpus=2, memory_gb=8).check_fits(cluster)  # fits exactly
    with pytest.raises(
        UserError, match=r"^hydra.launcher.num_cpus=3: more than the local Ray's 2 CPUs"
    ):
        RayLauncher(num_cpus=3).check_fits(cluster)
    with pytest.raises(
        UserError, match=r"^hydra.launcher.memory_gb=9: more than the local Ray's 8.0 GB"
    ):
        RayLauncher(memory_gb=9).check_fits(cluster)


# ---- real Ray ----------------------------------------------------------------------------

GRID = [
    "dataset=polish", "dataset.year=1", "model=logistic", "model.C=1,-1", "seed=1,2",
    "protocol.n_splits=2", "logger=none",
]  # fmt: skip


def processes_marked(mark: str) -> list[int]:
    """Processes whose environment holds `mark` (every process a command starts inherits it)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours
            continue
    return found


def gone(mark: str, seconds: float = 20) -> bool:
    """Whether every process marked `mark` has ended (waiting up to `seconds` for them)."""
    deadline = time.monotonic() + seconds
    while processes_marked(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray on 127.0.0.1 with 2 CPUs started here: "an existing cluster"; its address."""
    mark = ("BANKRUPTCY_TEST_RAY", uuid.uuid4().hex)  # inherited by every process Ray starts
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # 127.0.0.1 only; read on import
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        env.setenv(*mark)
        import ray

        context = ray.init(address="local", num_cpus=RAY_CPUS, include_dashboard=False)
        assert context.address_info["node_ip_address"] == "127.0.0.1"
        yield context.address_info["address"]
        ray.shutdown()
    # (this process's own /proc environ is the one it started with: only children match)
    assert gone("=".join(mark)), "processes of the test's Ray outlived ray.shutdown()"


def by_overrides(sweep: Path) -> dict[tuple[str, ...], dict]:
    """Metrics of each finished job without its timings, keyed by its overrides."""
    jobs = collect_jobs(sweep)
    return {
        j.key: {k: v for k, v in j.metrics.items() if not k.endswith("_seconds")}
        for j in jobs
        if j.status == JobStatus.OK
    }


@pytest.mark.slow
def test_ray_sweep_matches_the_basic_launcher_fails_soft_and_resumes(
    tmp_path, data_dir, ray_cluster
):
    mark = f"BANKRUPTCY_TEST_SWEEP={uuid.uuid4().hex}"  # inherited by the sweep's processes
    name, value = mark.split("=")
    ray_sweep = tmp_path / "ray"
    args = sweep_args(ray_sweep, data_dir, *GRID, "hydra/launcher=ray")
    done = run_cli(
        "bankruptcy.run", *args, f"hydra.launcher.local.num_cpus={RAY_CPUS}",
        cwd=tmp_path, env={name: value},
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "Ray: a local Ray (127.0.0.1:" in out and "(job 3 pid=" in out  # tasks on Ray
    assert gone(mark), "the sweep's Ray outlived the sweep command"

    board = pd.read_csv(ray_sweep / "leaderboard.csv")
    assert sorted(board["status"]) == ["failed"] * 2 + ["ok"] * 2
    failed = board[board["status"] == "failed"]
    assert (failed["model.C"] == -1).all() and failed["error"].str.contains("'C' para").all()
    for job in failed["job"]:
        assert "Traceback" in (ray_sweep / str(job) / ERROR_FILE).read_text()
    hydra = yaml.safe_load((ray_sweep / "0" / ".hydra" / "hydra.yaml").read_text())
    assert len(hydra["hydra"]["job"]["id"]) == 48  # the Ray task's id

    basic_sweep = tmp_path / "basic"
    run_sweep(basic_sweep, data_dir, *GRID)
    on_ray, on_basic = by_overrides(ray_sweep), by_overrides(basic_sweep)
    assert len(on_ray) == 2 and on_ray.keys() == on_basic.keys()
    for key, metrics in on_basic.items():  # identical, not close: same config and seed
        assert on_ray[key] == pytest.approx(metrics, nan_ok=True, rel=0, abs=0), key

    # resume on "an existing cluster": a job whose results were lost runs again, the others
    # are skipped, the failed ones are tried again
    lost = ray_sweep / "1"
    done_before = [j.path for j in collect_jobs(ray_sweep) if j.status == JobStatus.OK]
    kept = {path: (path / METRICS_FILE).stat().st_mtime_ns for path in done_before}
    before = json.loads((lost / METRICS_FILE).read_text())
    for name_ in (METRICS_FILE, "job.json"):
        (lost / name_).unlink()
    done = run_cli("bankruptcy.run", *args, f"hydra.launcher.address={ray_cluster}", cwd=tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Ray: Ray at 127.0.0.1:" in done.stdout + done.stderr
    lines = [json.loads(x) for x in (ray_sweep / progress.LOG).read_text().splitlines()]
    assert sorted(e["status"] for e in lines) == ["failed", "failed", "ok", "skipped"]
    rerun = json.loads((lost / METRICS_FILE).read_text())
    assert rerun["cv/pr_auc"] == before["cv/pr_auc"]
    for path, stamp in kept.items():
        if path != lost:
            assert (path / METRICS_FILE).stat().st_mtime_ns == stamp

    # its real job dirs as a ranking across datasets reads them: a dataset per seed, too few
    done = run_cli("bankruptcy.report", "--across", str(ray_sweep), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: 2 dataset(s) (polish seed=1, polish seed=2): a rank")


@pytest.mark.slow
def test_a_job_whose_ray_worker_dies_is_a_failed_record(tmp_path, ray_cluster):
    import ray
    from hydra.core.utils import JobStatus as HydraStatus
    from hydra.types import HydraContext

    from hydra_plugins.bankruptcy_ray_launcher import _core

    overrides = ["model=logistic", "seed=3"]
    config = compose_config(
        [*overrides, "hydra.mode=MULTIRUN", f"hydra.sweep.dir={tmp_path}"],
        return_hydra_config=True,
    )
    config.hydra.overrides.task = overrides
    config.hydra.job.num = 0
    progress.start(tmp_path, 1)

    @ray.remote(max_retries=0)
    def dies():
        os._exit(1)

    from hydra._internal.callbacks import Callbacks

    context = HydraContext(config_loader=None, callbacks=Callbacks(config))
    returned = _core._result(config, dies.remote(), context, str(tmp_path))
    assert returned.status == HydraStatus.COMPLETED and math.isnan(returned.return_value)
    record = read_record(tmp_path / "0")
    assert record["status"] == JobStatus.FAILED and record["overrides"] == overrides
    assert record["error"].startswith("Ray: WorkerCrashedError")
    assert "worker died" in (tmp_path / "0" / ERROR_FILE).read_text().lower()
    (entry,) = [json.loads(x) for x in (tmp_path / progress.LOG).read_text().splitlines()]
    assert entry["status"] == JobStatus.FAILED  # the sweep's progress line, from the driver
