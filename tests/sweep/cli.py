"""Run the real entrypoint as a user would, from tests."""

from __future__ import annotations

import os
import subprocess
import sys

# Per-job analyses (SHAP, figures, bootstrap CIs) are not what sweep tests check: off for speed.
NO_EXTRAS = ["interpret=none", "plots=none", "bootstrap=none"]


def run_sweep(sweep_dir, data_dir, *overrides, wait=True):
    """Launch ``python -m bankruptcy.run -m`` in its own process group (so a test can kill it)."""
    command = [
        sys.executable,
        "-m",
        "bankruptcy.run",
        "-m",
        f"paths.data_dir={data_dir}",
        f"paths.output_dir={sweep_dir.parent}",
        f"hydra.sweep.dir={sweep_dir}",
        *NO_EXTRAS,
        *overrides,
    ]
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    kwargs = {"cwd": sweep_dir.parent, "env": env, "stdout": subprocess.PIPE, "text": True}
    if not wait:
        return subprocess.Popen(command, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    done = subprocess.run(command, stderr=subprocess.STDOUT, timeout=600, check=False, **kwargs)
    assert done.returncode == 0, done.stdout[-3000:]
    return done.stdout
