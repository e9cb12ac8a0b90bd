"""The Ray side of `RayLauncher`: join or start Ray, one task per job, the jobs' returns.

The sweep process composes each job's config (the sweeper already did, `ComposeOnce` hands
it over) and submits it; a Ray worker sets Hydra up as the process that runs a job would and
calls Hydra's ``run_job`` with the task function, so the job's records, fail-soft and resume
(`bankruptcy.sweep.guard`) and the callbacks' progress lines work as on every launcher. A job
whose worker dies (node lost, killed for memory) gets a failed record here, and the sweep
goes on unless ``fail_soft=false``.

Ray reuses its worker processes across tasks, so what a job keeps per process (the parsed data
files of `bankruptcy.data.files.read_once`, imported libraries) serves the next job it runs.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import ray
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, run_job, setup_globals
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from bankruptcy.sweep.guard import one_line, record_failure
from bankruptcy.sweep.jobs import read_record
from hydra_plugins.bankruptcy_ray_launcher import LOCAL, RayLauncher

log = logging.getLogger(__name__)


def launch(
    launcher: RayLauncher, job_overrides: list[list[str]], initial_job_idx: int
) -> list[JobReturn]:
    """Run one batch of jobs as Ray tasks; their returns in the order of `job_overrides`."""
    setup_globals()
    assert launcher.config is not None and launcher.hydra_context is not None
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    Path(str(launcher.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
    options = launcher.task_options()
    # serialised once for the batch, not once per job
    context = ray.put(launcher.hydra_context)
    task = ray.put(launcher.task_function)
    state = ray.put(Singleton.get_state())
    cwd = os.getcwd()
    log.info("Ray: %d jobs, each with %s", len(job_overrides), _resources(options))
    submitted = []
    for idx, overrides in enumerate(job_overrides, initial_job_idx):
        config = launcher.hydra_context.config_loader.load_sweep_config(
            launcher.config, list(overrides)
        )
        with open_dict(config):
            config.hydra.job.num = idx
        ref = _job.options(name=f"job {idx}", **options).remote(context, task, state, config, cwd)
        submitted.append((config, ref))
    return [_result(config, ref, launcher.hydra_context, cwd) for config, ref in submitted]


def connect(launcher: RayLauncher) -> None:
    """Join the configured Ray cluster, or start the local instance, once per process.

    Called by `RayLauncher.setup` in a thread of its own, while the sweeper composes configs.
    """
    if ray.is_initialized():
        return
    options = launcher.init_options()
    worker_log = logging.getLogger("ray._private.worker")
    worker_log.addFilter(_no_sigterm_warning)
    try:
        context = ray.init(**options)
    finally:
        worker_log.removeFilter(_no_sigterm_warning)
    where = "a local Ray" if launcher.address == LOCAL else f"Ray at {launcher.address}"
    log.info("Ray: %s (%s)", where, context.address_info.get("address", ""))
    if launcher.address == LOCAL:
        launcher.check_fits(ray.cluster_resources())


def _no_sigterm_warning(record: logging.LogRecord) -> bool:
    """Ray warns that it sets no SIGTERM handler outside the main thread: the sweep process
    keeps Python's (a terminated sweep takes its local Ray with it all the same)."""
    return not record.getMessage().startswith("SIGTERM handler is not set")


def _resources(options: dict[str, Any]) -> str:
    memory = options.get("memory")
    shown = f"{options['num_cpus']:g} CPU"
    return shown + (f", {memory / 1024**3:.1f} GB" if memory else "")


@ray.remote
def _job(
    hydra_context: HydraContext,
    task_function: TaskFunction,
    singleton_state: dict,
    config: DictConfig,
    cwd: str,
) -> JobReturn:
    """One job in a Ray worker, set up as Hydra sets up a job of its own launchers.

    It runs in the sweep command's working directory when the node has it (a local instance;
    a cluster sharing its file system), so relative paths of the config mean the same.
    """
    setup_globals()
    Singleton.set_state(singleton_state)
    with open_dict(config):
        config.hydra.job.id = ray.get_runtime_context().get_task_id()
    HydraConfig.instance().set_config(config)
    if os.path.isdir(cwd):
        os.chdir(cwd)
    return run_job(
        hydra_context=hydra_context,
        task_function=task_function,
        config=config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )


def _result(config: DictConfig, ref, hydra_context: HydraContext, cwd: str) -> JobReturn:
    """The job's return, or a failed record when Ray could not run it to its end."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as error:
        return _lost(config, error, hydra_context, cwd)


def _lost(config: DictConfig, error: Exception, hydra_context: HydraContext, cwd: str) -> JobReturn:
    """Record a job whose Ray task died as failed, as the job's own guard records a failure.

    With ``fail_soft`` (default) the return is the guard's (NaN) and the sweep goes on;
    otherwise the error, which stops the sweep as a failing job does.
    """
    job_dir = Path(cwd, str(config.hydra.sweep.dir), str(config.hydra.sweep.subdir))
    with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
        config.hydra.runtime.output_dir = str(job_dir)
    overrides = list(config.hydra.overrides.task)
    known = read_record(job_dir) or {"overrides": overrides}
    known.setdefault("objective", str(config.get("objective", "")))
    record_failure(job_dir, known, f"Ray: {one_line(error)}", str(error))
    task_cfg = OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])
    ret = JobReturn(overrides=overrides, cfg=task_cfg, hydra_cfg=config, working_dir=cwd)
    fail_soft = bool(config.get("fail_soft", True))
    ret.status = JobStatus.COMPLETED if fail_soft else JobStatus.FAILED
    ret.return_value = math.nan if fail_soft else error
    hydra_context.callbacks.on_job_end(config=config, job_return=ret)
    return ret
