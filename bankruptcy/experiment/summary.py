"""Terminal summary of one job's metrics."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table


def print_summary(metrics: dict[str, float], title: str = "") -> None:
    """Print a table: metric | CV mean +/- std | test."""
    names = [k[3:] for k in metrics if k.startswith("cv/") and not k.endswith("_std")]
    table = Table(title=title or None)
    for column in ("metric", "cv (mean ± std)", "test"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name in names:
        table.add_row(
            name,
            f"{_fmt(metrics[f'cv/{name}'])} ± {_fmt(metrics.get(f'cv/{name}_std'))}",
            _fmt(metrics.get(f"test/{name}")),
        )
    console = Console()
    console.print(table)
    console.print(
        f"fit {metrics.get('fit_seconds', math.nan):.2f} s, CV {metrics.get('cv_seconds', 0):.2f} s"
    )


def _fmt(value) -> str:
    return (
        "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"
    )
