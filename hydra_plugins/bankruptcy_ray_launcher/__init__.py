"""A Hydra launcher running each job of a sweep as a Ray task (``hydra/launcher=ray``).

Hydra finds launchers only in the ``hydra_plugins`` package and imports every module there
at each start, so this module stays light: it checks the options (before any job or Ray
starts) and imports Ray only when a sweep sets it up (``_core``, which Hydra's scan skips).
Configured by ``conf/hydra/launcher/ray.yaml``; needs the ``ray`` extra.

Hydra's own ``hydra-ray-launcher`` (1.2.2) pins ``cloudpickle<3``; this one uses Ray's public
API only (``ray.init``, ``ray.remote``, ``ray.put``, ``ray.get``), so it installs beside
everything else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from numbers import Real
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from bankruptcy.core.errors import UserError

#: ``address`` that starts a Ray instance on this machine for the sweep (Ray's own word for it).
LOCAL = "local"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
# Environment set unless the user set it, read by Ray when it is imported. Every driver: Ray
# folds log lines that differ only in numbers into "[repeated Nx]", and the jobs' progress
# lines are such lines. A Ray on this machine's loopback (started here, or given as
# 127.0.0.1:<port>): Ray's single-machine mode, where it binds to 127.0.0.1 only (its driver
# must use the loopback too, or it waits for a node it cannot reach). Started here: no usage
# statistics sent.
DRIVER_ENV = {"RAY_DEDUP_LOGS": "0"}
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
LOCAL_ENV = {**LOOPBACK_ENV, "RAY_USAGE_STATS_ENABLED": "0"}


class RayLauncher(Launcher):
    """Run each job of a sweep as a Ray task with its own CPUs and memory.

    Parameters
    ----------
    address : str
        ``local`` (default): start a Ray instance on this machine for the sweep (127.0.0.1
        only), stopped when the sweep command exits. ``auto``: the cluster this machine joined
        (``ray start``). ``ray://<head>:10001``: a remote cluster through Ray Client (needs
        ``ray[client]``). ``<head>:6379``: a cluster's head node.
    num_cpus : float
        CPUs reserved per job; a job sizes its native thread pools to them.
    memory_gb : float, optional
        Memory reserved per job (Ray's ``memory`` resource); None reserves none.
    max_retries : int
        Times Ray re-runs a job whose worker died (node lost, killed for memory); a job that
        raises is not retried, it is a failed record.
    local : mapping
        For ``address=local``: ``num_cpus`` of the instance (None: every core).
    forward_env : list of str
        Environment variables of the sweep command given to the jobs on an existing cluster
        (those that are set); a local instance's jobs inherit the whole environment.
    init : mapping
        More keyword arguments of ``ray.init``.
    remote : mapping
        More task options (``resources``, ``scheduling_strategy``, ...).
    """

    def __init__(
        self,
        address: str = LOCAL,
        num_cpus: float = 1,
        memory_gb: float | None = None,
        max_retries: int = 1,
        local: Mapping[str, Any] | None = None,
        forward_env: Sequence[str] = (),
        init: Mapping[str, Any] | None = None,
        remote: Mapping[str, Any] | None = None,
    ) -> None:
        self.address = _address(address)
        self.num_cpus = _number("num_cpus", num_cpus, "a positive number of CPUs per job")
        if memory_gb is not None:
            memory_gb = _number("memory_gb", memory_gb, "a positive number of GB per job or null")
        self.memory_gb = memory_gb
        self.max_retries = _number("max_retries", max_retries, "0 or more", integer=True, zero=True)
        self.local = dict(local or {})
        if self.local.get("num_cpus") is not None:
            what = "a positive number of cores or null (all)"
            _number("local.num_cpus", self.local["num_cpus"], what, integer=True)
        self.forward_env = list(forward_env)
        self.init = dict(init or {})
        self.remote = dict(remote or {})
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None
        self._connected = Future()

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep what `launch` needs, and start joining (or starting) Ray in the background.

        Ray takes seconds to start; the sweeper composes every job's config (~0.2 s each)
        before it launches them, so the two overlap.
        """
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function
        self._connected = Future()
        threading.Thread(target=self._connect, name="ray-connect", daemon=True).start()

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        self._connected.result()  # what joining or starting Ray raised, if it did
        from hydra_plugins.bankruptcy_ray_launcher import _core

        return _core.launch(self, job_overrides, initial_job_idx)

    def _connect(self) -> None:
        """Join or start Ray, then wait for the process to end.

        The processes of a local Ray are tied to the thread that starts them (Linux sends them
        the parent-death signal when that thread ends, not the process), so this thread lives
        as long as the sweep process; Ray stops them at exit (``ray.init``'s own handler).
        """
        try:
            for name, value in self.driver_env().items():
                os.environ.setdefault(name, value)
            from hydra_plugins.bankruptcy_ray_launcher import _core  # imports Ray

            _core.connect(self)
        except BaseException as error:  # handed to `launch`, which raises it
            self._connected.set_exception(error)
            return
        self._connected.set_result(None)
        threading.Event().wait()

    def driver_env(self) -> dict[str, str]:
        """Environment the sweep process sets (unless set) before it imports Ray."""
        if self.address == LOCAL:
            return {**DRIVER_ENV, **LOCAL_ENV}
        host = self.address.removeprefix("ray://").rpartition(":")[0]
        return {**DRIVER_ENV, **(LOOPBACK_ENV if host in LOOPBACK else {})}

    def task_options(self) -> dict[str, Any]:
        """Options of every job's Ray task: its resources and retries, then ``remote``."""
        options: dict[str, Any] = {"num_cpus": self.num_cpus, "max_retries": self.max_retries}
        if self.memory_gb is not None:
            options["memory"] = int(self.memory_gb * 1024**3)
        return {**options, **self.remote}

    def check_fits(self, cluster: Mapping[str, float]) -> None:
        """Refuse a job larger than the local Ray (`ray.cluster_resources()`): Ray would
        wait for it forever."""
        _fits(self.task_options(), cluster)

    def init_options(self) -> dict[str, Any]:
        """Keyword arguments of ``ray.init``: a local instance's size, or the forwarded
        environment for an existing cluster; then ``init``."""
        if self.address == LOCAL:
            options = {"address": LOCAL, "include_dashboard": False, **self.local}
        else:
            env = {name: os.environ[name] for name in self.forward_env if name in os.environ}
            options = {"address": self.address, "runtime_env": {"env_vars": env}}
        return {**options, **self.init}


def _fits(options: Mapping[str, Any], cluster: Mapping[str, float]) -> None:
    """Refuse per-job resources a Ray of `cluster`'s resources can never give."""
    cpus = cluster.get("CPU", 0.0)
    if options["num_cpus"] > cpus:
        raise UserError(
            f"hydra.launcher.num_cpus={options['num_cpus']:g}: more than the local Ray's "
            f"{cpus:g} CPUs; lower it or raise hydra.launcher.local.num_cpus"
        )
    wanted, memory = options.get("memory", 0) / 1024**3, cluster.get("memory", 0.0) / 1024**3
    if wanted > memory:
        raise UserError(
            f"hydra.launcher.memory_gb={wanted:g}: more than the local Ray's {memory:.1f} GB of "
            "memory; lower it"
        )


def _address(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UserError(
            f"hydra.launcher.address={value}: use local (a Ray started for the sweep), auto "
            "(the cluster this machine joined), ray://<head>:10001 or <head>:6379"
        )
    return value.strip()


def _number(key: str, value: object, what: str, integer: bool = False, zero: bool = False):
    """`value` if it is a positive number (an integer if `integer`; 0 too if `zero`)."""
    kind = int if integer else Real
    valid = not isinstance(value, bool) and isinstance(value, kind)
    if not valid or value < 0 or (value == 0 and not zero):
        raise UserError(f"hydra.launcher.{key}={value}: use {what}")
    return value
