"""Figures drawn without pyplot: a new Agg-canvas figure, and writing it as a PNG.

matplotlib's object API with the Agg canvas: no global backend switch, no window, nothing
left open in pyplot's registry. matplotlib costs ~0.3 s to import, so it is imported only
when a figure is made: jobs with ``plots=none interpret=none`` never load it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 110


def new_figure(width: float = 6.4, height: float = 4.8, dpi: int = DPI) -> Figure:
    """A `width` x `height` inch figure drawn by the Agg (file-only) canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as a PNG at its own resolution to `path` (parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=fig.dpi)
    return path
