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


def ratio_frame(n: int = 400, seed: int = 0):
    """Rows shaped like the Polish files, made up: for data-free tests of mechanics.

    64 heavy-tailed ratios ``Attr1..Attr64`` (Student-t, df 2), about 5 % bankrupt firms whose
    first eight ratios are shifted, gaps in ten columns (more often for bankrupt firms, as in
    the real files), a mostly-missing column (``Attr37``), infinities in two columns (a zero
    denominator), a constant column (``Attr64``) and a few exact duplicate rows.

    Returns
    -------
    (DataFrame, Series)
        The ratios and the 0/1 label ``class``.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.05).astype(int)
    y[:12] = 1  # enough bankrupt firms for stratified folds of a few hundred rows
    X = rng.standard_t(2, size=(n, 64))
    X[:, :8] += 1.5 * y[:, None]
    for column in range(20, 30):
        X[rng.random(n) < np.where(y == 1, 0.15, 0.03), column] = np.nan
    X[rng.random(n) < 0.45, 36] = np.nan
    for column in (10, 11):
        X[rng.random(n) < 0.01, column] = np.inf
    X[:, 63] = 1.0
    X[-5:] = X[:5]
    y[-5:] = y[:5]
    columns = [f"Attr{i}" for i in range(1, 65)]
    return pd.DataFrame(X, columns=columns), pd.Series(y, name="class")


def firm_years(n_firms: int = 120, first: int = 2000, last: int = 2009, seed: int = 0):
    """A made-up firm-year panel shaped like the American file, for data-free tests.

    Each firm reports items ``X1..X4`` (positive amounts) from a random first year on, every
    year, until it leaves the data, fails (then its last statement's items have worsened) or
    the data ends. ``status`` is the firm's outcome on every row (``failed``/``alive``), as
    the American file has it.

    Returns
    -------
    DataFrame
        Columns ``firm, year, status, X1..X4``.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_firms):
        start = int(rng.integers(first, last - 2))
        stop = int(rng.integers(start + 1, last + 1))
        failed = rng.random() < 0.3 and stop < last + 1
        level = rng.lognormal(3, 1, size=4)
        for year in range(start, stop + 1):
            worse = 0.5 if failed and year >= stop - 1 else 1.0
            items = level * rng.lognormal(0, 0.1, size=4) * [worse, 1, worse, 1]
            rows.append([f"F{f}", year, "failed" if failed else "alive", *items])
    return pd.DataFrame(rows, columns=["firm", "year", "status", "X1", "X2", "X3", "X4"])
