"""Experiment tracking: W&B runs (one per job) or nothing."""

from bankruptcy.tracking.base import NullTracker

__all__ = ["NullTracker"]
