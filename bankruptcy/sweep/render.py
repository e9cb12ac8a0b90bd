"""Write a :class:`~bankruptcy.sweep.leaderboard.Leaderboard` as CSV, Markdown, HTML and PNG."""

from __future__ import annotations

import html
import math
import os
from pathlib import Path

import pandas as pd

from bankruptcy.experiment.outputs import JobStatus
from bankruptcy.sweep.leaderboard import TIE_ALPHA, Leaderboard

# Columns the compact (Markdown/HTML) views show after the parameters, when present.
_HEADLINE = ["cv/roc_auc", "cv/pr_auc", "cv/f1", "cv/recall", "test/roc_auc", "test/pr_auc"]
_CHART_ROWS = 40  # beyond that a dot chart stops being readable
_VERSUS_BEST = ("pvalue_vs_best", "tied_with_best")  # `leaderboard.versus_best`


def job_label(row: pd.Series, board: Leaderboard) -> str:
    """Short name of a job: its varying parameters, or its dir when nothing varies."""
    parts = [f"{p}={_short(row[p])}" for p in board.params if str(row[p]) != ""]
    return " ".join(parts) or str(row["job"])


def _short(value: object) -> str:
    """Sampled floats (``0.012490367668955163``) to 4 significant digits; other values as given."""
    text = str(value)
    try:
        number = float(text)
    except ValueError:
        return text
    return f"{number:.4g}" if len(text) > 8 else text


def compact(board: Leaderboard) -> pd.DataFrame:
    """The columns a reader scans first: rank, status, parameters, objective (with its spread
    and the test against the best job), headline metrics."""
    std = f"{board.objective}_std"
    extra = [c for c in _HEADLINE if c in board.table.columns and c != board.objective]
    timing = ["fit_seconds"] if "fit_seconds" in board.table.columns else []
    cols = ["rank", "status", *board.params, board.objective]
    cols += [c for c in (std, *_VERSUS_BEST) if c in board.table.columns]
    view = board.table[[*cols, *extra, *timing, "error"]].copy()
    for param in board.params:  # exact values stay in leaderboard.csv (overrides column)
        view[param] = view[param].map(_short)
    if "tied_with_best" in view:  # the test's verdict as a word; empty where not compared
        view["tied_with_best"] = [
            "" if pd.isna(v) else "yes" if v else "no" for v in view["tied_with_best"]
        ]
    return view


def to_markdown(board: Leaderboard) -> str:
    """A Markdown page: heading, sweep facts, the compact table."""
    view = compact(board)
    lines = [
        f"# Leaderboard: {board.sweep_dir.name}",
        "",
        _facts(board),
        "",
        "| " + " | ".join(view.columns) + " |",
        "|" + "|".join("---:" if _numeric(view[c]) else "---" for c in view.columns) + "|",
    ]
    for _, row in view.iterrows():
        cells = [fmt(row[c]).replace("|", "\\|") for c in view.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_html(board: Leaderboard) -> str:
    """A self-contained page (inline CSS and SVG): dot chart with CV spread, then the table."""
    view = compact(board)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in view.columns)
    body = []
    for _, row in view.iterrows():
        cls = "" if row["status"] == JobStatus.OK else f' class="{html.escape(str(row["status"]))}"'
        cells = "".join(
            f'<td class="num">{fmt(row[c])}</td>'
            if _numeric(view[c])
            else f"<td>{html.escape(fmt(row[c]))}</td>"
            for c in view.columns
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    title = html.escape(f"Leaderboard: {board.sweep_dir.name}")
    return _PAGE.format(
        title=title,
        facts=html.escape(_facts(board)),
        chart=_svg_chart(board),
        head=head,
        body="\n".join(body),
    )


def write_png(board: Leaderboard, path: str | os.PathLike) -> Path | None:
    """Dot chart of the objective (mean +- CV std) as a PNG; None when nothing succeeded."""
    rows = _chart_rows(board)
    if rows.empty:
        return None
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window from a sweep
    import matplotlib.pyplot as plt

    std = rows.get(f"{board.objective}_std", pd.Series(0.0, index=rows.index)).fillna(0.0)
    labels = [job_label(r, board) for _, r in rows.iterrows()]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.32 * len(rows)))
    y = list(range(len(rows)))[::-1]
    ax.errorbar(rows[board.objective], y, xerr=std, fmt="o", color="#1f77b4", capsize=3)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"{board.objective} (mean ± CV std)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(board.sweep_dir.name, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def write_all(board: Leaderboard, out_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Write ``leaderboard.{csv,md,html,png}`` into `out_dir` (default: the sweep dir).

    Returns
    -------
    dict of str to pathlib.Path
        Format name -> written file (``png`` absent when no job succeeded).
    """
    out = Path(out_dir or board.sweep_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "leaderboard.csv",
        "md": out / "leaderboard.md",
        "html": out / "leaderboard.html",
    }
    board.table.to_csv(paths["csv"], index=False)
    paths["md"].write_text(to_markdown(board))
    paths["html"].write_text(to_html(board))
    png = write_png(board, out / "leaderboard.png")
    if png is not None:
        paths["png"] = png
    return paths


def print_top(board: Leaderboard, top: int = 10) -> None:
    """Print the first `top` rows of the compact view as a rich table."""
    from rich.console import Console
    from rich.table import Table

    view = compact(board).head(top)
    table = Table(title=f"{board.sweep_dir}: {_facts(board)}", title_justify="left")
    for col in view.columns:
        table.add_column(str(col), overflow="fold")
    for _, row in view.iterrows():
        table.add_row(*(fmt(v) for v in row))
    Console(width=160).print(table)


def _facts(board: Leaderboard) -> str:
    counts = ", ".join(f"{n} {status}" for status, n in sorted(board.counts.items()))
    order = "higher" if board.maximize else "lower"
    fixed = " ".join(f"{k}={v}" for k, v in board.fixed.items()) or "none"
    return (
        f"Sorted by {board.objective} ({order} is better). Jobs: {counts or 'none'}. "
        f"Shared overrides: {fixed}. pvalue_vs_best: Nadeau-Bengio corrected resampled t-test "
        f"against the best job on the same CV folds; tied_with_best: p >= {TIE_ALPHA}."
    )


def _chart_rows(board: Leaderboard) -> pd.DataFrame:
    return board.ok.dropna(subset=[board.objective]).head(_CHART_ROWS)


def _svg_chart(board: Leaderboard) -> str:
    """Horizontal dot chart: one row per ranked job, whiskers = +- CV std."""
    rows = _chart_rows(board)
    if rows.empty:
        return "<p>No job finished with a result.</p>"
    std_col = f"{board.objective}_std"
    means = rows[board.objective].astype(float)
    stds = rows[std_col].astype(float).fillna(0.0) if std_col in rows else means * 0.0
    lo, hi = float((means - stds).min()), float((means + stds).max())
    pad = (hi - lo) * 0.05 or 0.01
    lo, hi = lo - pad, hi + pad
    left, width, row_h, top = 330, 440, 22, 10
    height = top + row_h * len(rows) + 34

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 20}" '
        f'height="{height}" role="img" aria-label="objective by job">'
    ]
    for i, ((_, row), m, s) in enumerate(zip(rows.iterrows(), means, stds, strict=True)):
        cy = top + row_h * i + row_h / 2
        label = html.escape(f"#{row['rank']} {job_label(row, board)}")
        tip = html.escape(f"{board.objective} = {m:.4f} ± {s:.4f}")
        parts.append(
            f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end" font-size="12">{label}</text>'
            f'<line x1="{x(m - s):.1f}" x2="{x(m + s):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
            f'stroke="#888" stroke-width="2"/>'
            f'<circle cx="{x(m):.1f}" cy="{cy:.1f}" r="5" fill="#1f77b4"><title>{tip}</title>'
            f"</circle>"
        )
    axis_y = top + row_h * len(rows) + 6
    parts.append(
        f'<line x1="{left}" x2="{left + width}" y1="{axis_y}" y2="{axis_y}" stroke="#333"/>'
    )
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(
            f'<text x="{x(v):.1f}" y="{axis_y + 16}" text-anchor="middle" '
            f'font-size="11">{v:.3f}</text>'
        )
    parts.append("</svg>")
    caption = html.escape(f"{board.objective}: dot = mean over CV folds, whisker = ± 1 std")
    return "".join(parts) + f"<p class='caption'>{caption}</p>"


def _numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col)


def fmt(value: object) -> str:
    """A table cell: floats to 4 decimals, missing values empty."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.failed td, tr.incomplete td, tr.running td {{ color: #b00020; }}
.caption {{ color: #666; font-size: 12px; }}
</style></head><body>
<h1>{title}</h1>
<p>{facts}</p>
{chart}
<table><thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
</body></html>
"""
