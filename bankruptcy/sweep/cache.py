"""Fitted preprocessing shared by the jobs of a sweep, on disk in the sweep dir.

The jobs of a sweep that vary the model, the sampler or their options fit the same
preprocessing steps on the same fold rows again and again (the default preset: ~0.45 s per
fit on Polish year 1, six fits per job). scikit-learn's ``Pipeline(memory=...)`` keeps each
fitted step (with its output) in a ``joblib.Memory`` keyed by the step's parameters and its
input rows, so a job reuses what an earlier job fitted on the same rows and recomputes
anything else: the scores are those of fitting every step (the tests compare both ways).
Jobs of every launcher share it (the sweep dir is where their outputs go). The key holds a
step's options, not its code, so the callback empties it when a sweep starts (a resumed sweep
may run code fixed since) and deletes it when the sweep ends.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# "_" keeps it out of the job dirs a sweep's records are read from (`sweep.jobs`)
CACHE_DIR = "_cache"


def preprocess_cache(sweep_dir: str | Path) -> Path:
    """Where the jobs of the sweep in `sweep_dir` keep their fitted preprocessing."""
    return Path(sweep_dir) / CACHE_DIR / "preprocess"


def clear(sweep_dir: str | Path) -> None:
    """Delete the sweep's shared cache (nothing else in `sweep_dir`)."""
    shutil.rmtree(Path(sweep_dir) / CACHE_DIR, ignore_errors=True)
