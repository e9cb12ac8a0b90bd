"""Synthetic sweep dirs laid out as Hydra and the guard write them (mechanics tests only)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def make_job(
    sweep_dir: Path,
    name: str,
    overrides: list[str],
    metrics: dict | None = None,
    error: str | None = None,
    record: bool = True,
    finished: float = 1.0,
) -> Path:
    """Create one job dir: .hydra/overrides.yaml, metrics.json or error.txt, job.json."""
    job = sweep_dir / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    if metrics is not None:
        (job / "metrics.json").write_text(json.dumps(metrics))
    if error is not None:
        (job / "error.txt").write_text(f"Traceback (most recent call last):\n  ...\n{error}\n")
    if record:
        status = "ok" if metrics is not None else "failed" if error is not None else "running"
        entry = {"overrides": overrides, "status": status, "finished": finished}
        if error is not None:
            entry["error"] = error
        (job / "job.json").write_text(json.dumps(entry))
    return job


def metrics(pr_auc: float, std: float = 0.01, brier: float = 0.05) -> dict:
    """A metrics.json in the output contract's shape."""
    return {
        "cv/pr_auc": pr_auc,
        "cv/pr_auc_std": std,
        "cv/roc_auc": pr_auc + 0.3,
        "cv/roc_auc_std": std,
        "cv/brier": brier,
        "cv/brier_std": 0.001,
        "test/pr_auc": pr_auc - 0.02,
        "test/roc_auc": pr_auc + 0.28,
        "fit_seconds": 1.5,
    }
