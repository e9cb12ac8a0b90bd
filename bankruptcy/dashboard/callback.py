"""Hydra callback: a multirun that logged W&B runs ends with its dashboard specification.

Registered in ``conf/config.yaml`` before the sweep's own callback: Hydra ends callbacks in
reverse order, so the leaderboard and the sweep-summary run (`bankruptcy.sweep.callback`) exist
when the dashboard is built from them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class DashboardCallback(Callback):
    """Write ``dashboard.json`` (`bankruptcy.dashboard.views`) beside the sweep's leaderboard."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        write_dashboard(Path(config.hydra.sweep.dir))


def write_dashboard(sweep_dir: Path) -> Path | None:
    """Write the sweep's W&B dashboard specification beside its leaderboard, if it has runs.

    Returns the file written, or None when the sweep logged no W&B runs (``logger=none``).
    """
    # W&B's libraries load only when a sweep ends, not when the callback is configured
    from bankruptcy.dashboard.sweep import DashboardError, read_sweep
    from bankruptcy.dashboard.views import SPEC_FILE, specification, write

    try:
        runs = read_sweep(sweep_dir)
    except DashboardError as error:
        log.info("No W&B dashboard: %s", error)
        return None
    path = write(specification(runs), sweep_dir / SPEC_FILE)
    log.info("W&B dashboard specification: %s", path)
    return path
