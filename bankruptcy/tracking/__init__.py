"""Experiment tracking: W&B runs (one per job) or nothing."""

from bankruptcy.tracking.base import NullTracker
from bankruptcy.tracking.offline import read_offline_run, wandb_run_dirs

__all__ = ["NullTracker", "read_offline_run", "wandb_run_dirs"]
