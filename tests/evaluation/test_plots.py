"""Evaluation figures are labelled, drawn from the right data, and written as PNG files."""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest

from bankruptcy.evaluation.plots import FIGURES, EvaluationData, PlotMaker


def curve(n: int, seed: int):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    y[:2] = [0, 1]
    return y, 1 / (1 + np.exp(-(rng.normal(size=n) + 2 * y - 3)))


@pytest.fixture
def data():
    return EvaluationData(
        folds=[curve(200, s) for s in range(3)],
        test=curve(300, 9),
        oof=curve(600, 10),
        score_kind="proba",
        threshold=0.2,
        default_threshold=0.5,
        subtitle="synthetic · test",
    )


def test_every_figure_has_a_title_and_axis_labels(data):
    for kind, build in FIGURES.items():
        fig = build(data)
        ax = fig.axes[0]
        assert "synthetic · test" in (ax.get_title() or fig.get_suptitle()), kind
        assert ax.get_ylabel(), kind
        assert any(a.get_xlabel() for a in fig.axes), kind


def test_figures_show_the_threshold_they_are_given(data):
    confusion = FIGURES["confusion"](data)
    assert "0.2" in confusion.axes[0].get_title()
    counts = [int(t.get_text().split("\n")[0].replace(",", "")) for t in confusion.axes[0].texts]
    y, s = data.test
    assert counts == [
        np.sum((y == 0) & (s < 0.2)),
        np.sum((y == 0) & (s >= 0.2)),
        np.sum((y == 1) & (s < 0.2)),
        np.sum((y == 1) & (s >= 0.2)),
    ]
    legend = [t.get_text() for t in FIGURES["threshold"](data).axes[0].get_legend().get_texts()]
    assert "chosen 0.2" in legend and "default 0.5" in legend


def test_roc_figure_draws_each_fold_and_the_test_curve(data):
    lines = FIGURES["roc"](data).axes[0].get_lines()
    assert len(lines) == len(data.folds) + 2  # folds, test, chance diagonal


def test_decision_scores_skip_the_calibration_plot(data, tmp_path):
    data.score_kind = "decision"
    paths = PlotMaker(kinds=["calibration", "roc"]).make(data, tmp_path)
    assert set(paths) == {"roc"}
    assert FIGURES["scores"](data).axes[0].get_xscale() == "linear"


def test_plot_maker_writes_pngs_without_touching_pyplot(data, tmp_path):
    backend = matplotlib.get_backend()
    paths = PlotMaker().make(data, tmp_path)
    assert set(paths) == set(FIGURES)
    for path in paths.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000
    assert matplotlib.get_backend() == backend
    if "matplotlib.pyplot" in sys.modules:  # nothing left open in pyplot's registry
        assert not sys.modules["matplotlib.pyplot"].get_fignums()


def test_no_plots_and_unknown_plots(data, tmp_path):
    assert PlotMaker(kinds=[]).make(data, tmp_path) == {}
    with pytest.raises(ValueError, match="unknown plots.kinds"):
        PlotMaker(kinds=["roc", "lift"]).make(data, tmp_path)
