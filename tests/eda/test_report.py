"""Figures, HTML rendering and tracker logging of the EDA report, on the planted dataset."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from bankruptcy.core.figures import save_png
from bankruptcy.eda import plots, stats
from bankruptcy.eda.browser import BrowserMissing, find_chromium
from bankruptcy.eda.render import render_report
from bankruptcy.eda.run import run_eda
from bankruptcy.eda.sections import FigureFile, Section, Table, time_section
from tests.helpers import SpyTracker

SECTION_IDS = [
    "class-balance",
    "missing-values",
    "distributions",
    "outliers",
    "correlation",
    "univariate-auc",
    "duplicates",
    "time",
]


def _axes_with_data(figure):
    return [ax for ax in figure.axes if ax.get_visible() and (ax.patches or ax.images)]


def test_every_figure_has_a_title_and_labelled_axes(planted):
    X, y = planted.X, planted.y
    rate = float(y.mean())
    heavy = {f: stats.is_heavy_tailed(X[f], 50) for f in X.columns}
    figures = {
        "class balance": plots.class_balance_figure(stats.class_balance(y)),
        "missing": plots.missing_figure(stats.missing_values(X, y), rate, top=30),
        "auc": plots.auc_figure(stats.univariate_auc(X, y), planted.descriptions, top=30),
        "outliers": plots.outliers_figure(stats.outlier_summary(X, y, 3.0, 50), rate, 3.0, 30),
        "correlation": plots.correlation_figure(stats.rank_correlation(X, 1000, 0), len(X)),
        "distributions": plots.distributions_figure(X, y, list(X.columns), heavy, {}),
        "time": plots.time_figure(stats.rate_over_time(planted.time, y), "year"),
    }
    for name, figure in figures.items():
        axes = _axes_with_data(figure)
        assert axes, name
        for ax in axes:
            # Side-by-side panels share one y axis, labelled once on the left.
            shared = ax.get_shared_y_axes().get_siblings(ax)
            assert ax.get_xlabel(), f"{name}: no x label"
            assert any(other.get_ylabel() for other in shared), f"{name}: no y label"
            assert ax.get_title() or figure.get_suptitle(), f"{name}: no title"


def test_heavy_tailed_features_get_a_symlog_axis_that_says_so(planted):
    heavy = {"heavy": True, "noise": False}
    figure = plots.distributions_figure(planted.X, planted.y, ["heavy", "noise"], heavy, {})
    heavy_ax, noise_ax = figure.axes[:2]
    assert heavy_ax.get_xscale() == "symlog"
    assert "symlog" in heavy_ax.get_xlabel()
    assert noise_ax.get_xscale() == "linear"
    assert "linear" in noise_ax.get_xlabel()


def _tiny_png(tmp_path: Path) -> Path:
    figure = plots.new_figure(1, 1)
    figure.add_subplot().plot([0, 1])
    return save_png(figure, tmp_path / "tiny.png")


def test_html_embeds_images_escapes_text_and_formats_cells(tmp_path):
    png = _tiny_png(tmp_path)
    table = pd.DataFrame({"period": [2005], "rows": [12345], "bankrupt_rate": [0.0712]})
    sections = [
        Section(
            "first", "A <b>bold</b> title", ["x < y & z"], figures=[FigureFile("f", png, "cap")]
        ),
        Section("second", "Second", ["text"], tables=[Table("t", "big", table, collapsed=True)]),
    ]
    page = render_report("Report <1>", ["header & line"], sections)
    assert re.findall(r'<section id="([^"]+)">', page) == ["first", "second"]
    assert "A &lt;b&gt;bold&lt;/b&gt; title" in page and "<b>bold</b>" not in page
    assert "x &lt; y &amp; z" in page and "header &amp; line" in page
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(data) == png.read_bytes()
    assert "<td>2005</td>" in page  # a year is a label: no digit grouping
    assert "<td>12,345</td>" in page and "<td>7.12%</td>" in page
    assert re.search(r"<details><summary>big</summary><table", page)
    assert 'data-broken-images="pending"' in page  # replaced by the page's load handler


def test_run_eda_writes_every_section_and_logs_figures_tables_summary(
    planted, eda_options, tmp_path
):
    tracker = SpyTracker()
    report = run_eda(planted, tmp_path, tracker, **eda_options)

    page = report.read_text(encoding="utf-8")
    assert re.findall(r'<section id="([^"]+)">', page) == SECTION_IDS
    images = re.findall(r'src="data:image/png;base64,', page)
    assert len(images) == len(tracker.images) >= 7  # every figure, time included
    assert set(tracker.images) >= {
        "plots/class_balance",
        "plots/distributions",
        "plots/rate_over_time",
    }
    for path in tracker.images.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert tracker.tables["tables/univariate_auc"].iloc[0]["auc"] == 1.0
    assert tracker.summary["eda/rows"] == 300
    assert tracker.summary["eda/duplicate_rows"] == 2
    assert tracker.summary["eda/missing_cells"] == 30
    assert tracker.files == [report]
    assert "a &lt;ratio&gt; &amp; friends" in page  # descriptions reach the tables, escaped


def test_time_section_without_time_column_says_so(planted, tmp_path):
    planted.time = None
    section = time_section(planted, tmp_path)
    assert section.figures == [] and section.tables == []
    assert "no time column" in section.paragraphs[0]


def test_missing_chromium_names_the_apt_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BrowserMissing, match="apt-get install -y chromium"):
        find_chromium()
