"""What an analysis hands back instead of writing files: numbers, figures, tables, charts by name.

Analyses (`bankruptcy.evaluation`, `bankruptcy.interpret`) compute; the job's outputs
(`bankruptcy.experiment.outputs`) decide where each piece is written and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class Chart:
    """A small table and the W&B chart preset that draws it (``wandb.plot_table``).

    Attributes
    ----------
    table : DataFrame
        The points drawn, one row each.
    preset : str
        Id of a W&B Vega-Lite preset, e.g. ``"wandb/line/v0"``.
    fields : dict of str to str or None
        The preset's fields mapped to columns of `table`.
    strings : dict of str to str
        The preset's text settings (title, axis titles).
    """

    table: pd.DataFrame
    preset: str
    fields: dict[str, str | None]
    strings: dict[str, str] = field(default_factory=dict)


@dataclass
class Artifacts:
    """Metrics, figures and tables produced by an analysis.

    Attributes
    ----------
    metrics : dict of str to float
        Keys added to ``metrics.json``.
    figures : dict of str to Figure
        Written as ``plots/<name>.png`` and logged as ``plots/<name>``.
    tables : dict of str to DataFrame
        Written as ``interpret/<name>.csv`` and logged as ``interpret/<name>``.
    charts : dict of str to Chart
        Logged as native W&B charts ``charts/<name>`` (not written to files: the figures
        show the same data).
    """

    metrics: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)

    def add(self, other: Artifacts) -> Artifacts:
        """Take in everything `other` holds (its names win); return self."""
        self.metrics.update(other.metrics)
        self.figures.update(other.figures)
        self.tables.update(other.tables)
        self.charts.update(other.charts)
        return self
