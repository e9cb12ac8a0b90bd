"""The tracker interface every experiment logs through, and the no-op tracker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from bankruptcy.core.artifacts import Chart


class NullTracker:
    """Tracker that records nothing (``logger=none``); the interface every tracker follows."""

    @contextmanager
    def start(
        self,
        *,
        name: str,
        config: Mapping,
        directory: Path,
        group: str | None = None,
        tags: Iterable[str] = (),
        job_type: str = "train",
    ):
        """Open a run for the duration of a ``with`` block; always closed at its end."""
        yield self

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Log one row of a time series."""

    def log_series(self, prefix: str, rows: Iterable[Mapping], step_key: str) -> None:
        """Log rows (e.g. epochs of a curve) as ``<prefix>/<key>`` plotted against `step_key`."""

    def log_summary(self, metrics: Mapping[str, object]) -> None:
        """Set final values of the run."""

    def log_image(self, key: str, path: Path, caption: str | None = None) -> None:
        """Attach an image file."""

    def log_table(self, key: str, frame: pd.DataFrame) -> None:
        """Attach a table."""

    def log_chart(self, key: str, chart: Chart) -> None:
        """Attach a native chart: its table, drawn by a W&B preset."""

    def log_file(self, path: Path) -> None:
        """Save a file with the run."""

    def log_model(self, directory: Path, name: str) -> None:
        """Attach a model package folder as the run's model artifact."""
