"""What many tests share: the config folder, the command-line runner and a spy tracker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bankruptcy.tracking.base import NullTracker

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "conf"
# Per-job analyses (SHAP, figures, bootstrap CIs) have their own tests; off where not under test.
NO_ANALYSES = ["interpret=none", "plots=none", "bootstrap=none"]


def run_cli(
    module: str, *args: str, cwd: Path = ROOT, env: dict | None = None, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """Run ``python -m <module> <args>`` as a user would (W&B offline); output captured."""
    environment = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def sweep_args(sweep_dir: Path, data_dir: Path, *overrides: str) -> list[str]:
    """Arguments of ``python -m bankruptcy.run``: a multirun into `sweep_dir`, analyses off."""
    return [
        "-m",
        f"paths.data_dir={data_dir}",
        f"paths.output_dir={sweep_dir.parent}",
        f"hydra.sweep.dir={sweep_dir}",
        *NO_ANALYSES,
        *overrides,
    ]


def run_sweep(sweep_dir: Path, data_dir: Path, *overrides: str) -> str:
    """Run a multirun to the end; assert it succeeded; return its console output."""
    args = sweep_args(sweep_dir, data_dir, *overrides)
    done = run_cli("bankruptcy.run", *args, cwd=sweep_dir.parent)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    return output


def start_sweep(sweep_dir: Path, data_dir: Path, *overrides: str) -> subprocess.Popen:
    """Start a multirun in its own process group (so a test can kill it); stdout piped."""
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "bankruptcy.run", *sweep_args(sweep_dir, data_dir, *overrides)],
        cwd=sweep_dir.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


class SpyTracker(NullTracker):
    """A started tracker that keeps what it is given, for tests that check what is logged."""

    def __init__(self):
        self.images, self.tables, self.summary, self.files, self.series = {}, {}, {}, [], {}
        self.charts = {}

    def log_image(self, key, path, caption=None):
        self.images[key] = Path(path)

    def log_table(self, key, frame):
        self.tables[key] = frame

    def log_chart(self, key, chart):
        self.charts[key] = chart

    def log_summary(self, metrics):
        self.summary.update(metrics)

    def log_file(self, path):
        self.files.append(Path(path))

    def log_series(self, prefix, rows, step_key):
        self.series[prefix] = list(rows)
