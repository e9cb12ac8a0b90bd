"""Weights & Biases tracker: one run per job, offline unless an API key is configured."""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sklearn.utils._param_validation import StrOptions

from bankruptcy.core.params import CheckedParams
from bankruptcy.tracking.base import NullTracker


def default_mode() -> str:
    """``$WANDB_MODE`` if set; else online when an API key is configured, offline otherwise.

    Offline by default means a first run never hangs on the network; ``wandb
    sync <dir>`` uploads offline runs later.
    """
    if os.environ.get("WANDB_MODE"):
        return os.environ["WANDB_MODE"]
    return "online" if has_api_key() else "offline"


def has_api_key() -> bool:
    """Whether a W&B API key is configured (``$WANDB_API_KEY`` or ``wandb login``'s netrc)."""
    netrc = Path.home() / ".netrc"
    return bool(os.environ.get("WANDB_API_KEY")) or (
        netrc.is_file() and "api.wandb.ai" in netrc.read_text(errors="ignore")
    )


class WandbTracker(CheckedParams, NullTracker):
    """Log to a W&B run written under the job's output directory.

    Parameters
    ----------
    project : str
        W&B project.
    entity : str, optional
        W&B user or team.
    mode : {"online", "offline", "disabled"}, optional
        Default from `default_mode`.
    """

    _parameter_constraints: dict = {
        "project": [str],
        "entity": [str, None],
        "mode": [StrOptions({"online", "offline", "disabled"}), None],
    }

    def __init__(self, project: str = "bankruptcy", entity: str | None = None, mode=None):
        self.project = project
        self.entity = entity
        self.mode = mode
        self.run = None

    @contextmanager
    def start(self, *, name, config, directory, group=None, tags=(), job_type="train"):
        import wandb  # deferred: costs about a second, and only logging runs need it

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(
            project=self.project,
            entity=self.entity,
            mode=self.mode or default_mode(),
            name=name,
            group=group,
            tags=[str(t)[:64] for t in tags],
            job_type=job_type,
            config=dict(config),
            dir=str(directory),
            reinit="create_new",
            settings=wandb.Settings(silent=True, console="off", x_disable_stats=True),
        )
        exit_code = 1
        try:
            yield self
            exit_code = 0
        finally:
            # Always close: an open run would swallow the next job's logs in a multirun.
            self.run.finish(exit_code=exit_code)
            self.run = None
            # Stop wandb-core so the run file on disk is complete when the job returns
            # (otherwise the last records may land only when the process exits).
            wandb.teardown()

    def log_metrics(self, metrics, step=None):
        self.run.log(_finite(metrics), step=step)

    def log_series(self, prefix: str, rows: Iterable[Mapping], step_key: str) -> None:
        self.run.define_metric(f"{prefix}/*", step_metric=f"{prefix}/{step_key}")
        for row in rows:
            self.run.log(_finite({f"{prefix}/{k}": v for k, v in row.items()}))

    def log_summary(self, metrics):
        self.run.summary.update(_finite(metrics))

    def log_image(self, key, path, caption=None):
        import wandb

        self.run.log({key: wandb.Image(str(path), caption=caption)})

    def log_table(self, key, frame: pd.DataFrame):
        import wandb

        self.run.log({key: wandb.Table(dataframe=frame.reset_index(drop=True))})

    def log_chart(self, key, chart):
        import wandb

        table = wandb.Table(dataframe=chart.table.reset_index(drop=True))
        # logs the table as `<key>_table` and the panel under the run config's _wandb.visualize
        self.run.log({key: wandb.plot_table(chart.preset, table, chart.fields, chart.strings)})

    def log_file(self, path):
        # Copy into the run's folder first: saving an outside file makes W&B symlink it and warn.
        copy = Path(self.run.dir) / Path(path).name
        shutil.copyfile(path, copy)
        self.run.save(str(copy), base_path=self.run.dir, policy="now")

    def log_model(self, directory, name):
        # offline, the artifact is written with the run and uploaded by `wandb sync`; W&B
        # cannot resolve artifacts offline, so the MLflow registry stays the source of truth
        import wandb

        artifact = wandb.Artifact(_artifact_name(name), type="model")
        artifact.add_dir(str(directory))
        self.run.log_artifact(artifact)


def _artifact_name(name: str) -> str:
    """W&B artifact names allow letters, digits, dashes, underscores and dots."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def _finite(values: Mapping) -> dict:
    """Drop NaN values: W&B charts treat them as breaks and summaries show them as text."""
    return {k: v for k, v in values.items() if not (isinstance(v, float) and math.isnan(v))}
