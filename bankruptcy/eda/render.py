"""Render report sections as one self-contained HTML page.

Images are embedded as base64 ``data:`` URIs and the style sheet is inline,
so the file opens from disk without a server. A short script marks the page
for automated checks: after loading, ``<body data-broken-images="N"
data-js-errors="M">`` holds the number of images that failed to decode and
of script errors (``"pending"`` until the page has loaded).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.eda.sections import FigureFile, Section, Table

# Integer columns that name something (a year, a class, a row) rather than count: no grouping.
LABEL_COLUMNS = {"period", "label", "first_row"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1320px; padding: 1em 2em;
       color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-top: 0.6em; }
.meta { color: #555; font-size: 0.92em; }
nav ol { columns: 2; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.55em; text-align: right; }
th { background: #f3f3f3; text-align: center; } td.text { text-align: left; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
details summary { cursor: pointer; font-weight: 600; margin: 0.5em 0; }
"""

ERROR_COUNTER = """
window.addEventListener("error", function () {
  document.body.dataset.jsErrors = String(Number(document.body.dataset.jsErrors) + 1);
});
"""

IMAGE_CHECK = """
window.addEventListener("load", function () {
  var broken = Array.prototype.filter.call(document.images, function (img) {
    return !img.complete || img.naturalWidth === 0;
  });
  document.body.dataset.brokenImages = String(broken.length);
});
"""


def render_report(title: str, header: Sequence[str], sections: Sequence[Section]) -> str:
    """The report as an HTML string.

    Parameters
    ----------
    title : str
        Page title and main heading.
    header : sequence of str
        Plain-text lines shown under the heading (dataset, source, options).
    sections : sequence of Section
        Rendered in order, each under ``<section id=...>``, listed in a contents box.
    """
    contents = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in sections)
    meta = "".join(f'<p class="meta">{html.escape(line)}</p>' for line in header)
    body = "\n".join(_section(number, s) for number, s in enumerate(sections, start=1))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        '<body data-broken-images="pending" data-js-errors="0">\n'
        f"<script>{ERROR_COUNTER}</script>\n"
        f"<header><h1>{html.escape(title)}</h1>{meta}"
        f"<nav><strong>Contents</strong><ol>{contents}</ol></nav></header>\n"
        f"<main>\n{body}\n</main>\n<script>{IMAGE_CHECK}</script>\n</body>\n</html>\n"
    )


def write_report(
    path: Path, title: str, header: Sequence[str], sections: Sequence[Section]
) -> Path:
    """Render the report into `path` (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(title, header, sections), encoding="utf-8")
    return path


def _section(number: int, section: Section) -> str:
    """One ``<section>`` with its paragraphs, figures and tables."""
    parts = [f'<section id="{section.id}">', f"<h2>{number}. {html.escape(section.title)}</h2>"]
    parts += [f"<p>{html.escape(text)}</p>" for text in section.paragraphs]
    parts += [_figure(figure) for figure in section.figures]
    parts += [_table(table) for table in section.tables]
    parts.append("</section>")
    return "\n".join(parts)


def _figure(figure: FigureFile) -> str:
    """An ``<img>`` with the PNG inlined as a data URI, plus its caption."""
    data = base64.b64encode(figure.path.read_bytes()).decode("ascii")
    caption = html.escape(figure.caption)
    return (
        f'<figure id="figure-{figure.key}"><img src="data:image/png;base64,{data}" '
        f'alt="{caption}"><figcaption>{caption}</figcaption></figure>'
    )


def _table(table: Table) -> str:
    """An HTML table of `table.frame`; folded into ``<details>`` when collapsed."""
    frame = table.frame
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>"
        + "".join(_cell(column, value) for column, value in zip(frame.columns, row, strict=True))
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    markup = (
        f'<table id="table-{table.key}"><caption>{html.escape(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
    if table.collapsed:
        return f"<details><summary>{html.escape(table.caption)}</summary>{markup}</details>"
    return markup


def _cell(column: str, value: object) -> str:
    """A ``<td>``: shares and rates as percentages, counts grouped, text left-aligned."""
    if isinstance(value, bool | np.bool_):
        text = "yes" if value else "no"
    elif isinstance(value, Integral):
        text = str(value) if column in LABEL_COLUMNS else f"{value:,}"
    elif isinstance(value, Real) and not math.isnan(value):
        text = f"{value:.2%}" if "share" in column or "rate" in column else f"{value:.4g}"
    elif pd.isna(value):
        text = "–"
    else:
        return f'<td class="text">{html.escape(str(value))}</td>'
    return f"<td>{text}</td>"


def header_lines(dataset_summary: str, source: str, options: Mapping[str, object]) -> list[str]:
    """The plain-text lines under the report heading."""
    settings = ", ".join(f"{key}={value}" for key, value in options.items())
    return [dataset_summary, f"Source: {source}", f"Settings: {settings}"]
