"""Evaluation figures are labelled, drawn from the right data, and written as PNG files."""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pytest
from PIL import Image

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.plots import FIGURES, EvaluationData, PlotMaker
from bankruptcy.experiment.outputs import JobOutputs
from tests.helpers import SpyTracker


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
        score_kind=ScoreKind.PROBA,
        threshold=0.2,
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


def test_decision_scores_skip_the_calibration_plot(data):
    data.score_kind = ScoreKind.DECISION
    assert set(PlotMaker(kinds=["calibration", "roc"]).make(data)) == {"roc"}
    assert FIGURES["scores"](data).axes[0].get_xscale() == "linear"
    legend = [t.get_text() for t in FIGURES["threshold"](data).axes[0].get_legend().get_texts()]
    assert "default 0" in legend  # a decision function's own rule


def test_job_outputs_write_and_log_pngs_at_the_configured_resolution(data, tmp_path):
    backend = matplotlib.get_backend()
    tracker = SpyTracker()
    figures = PlotMaker(dpi=60).make(data)
    JobOutputs(tmp_path, tracker).artifacts(Artifacts(figures=figures))
    assert set(tracker.images) == {f"plots/{kind}" for kind in FIGURES}
    for kind, path in tracker.images.items():
        assert path == tmp_path / f"{kind}.png"  # plots/<kind>.png in the job dir
        with Image.open(path) as image:
            width = image.size[0]
        assert width == round(figures[kind.split("/")[1]].get_figwidth() * 60)
    assert matplotlib.get_backend() == backend
    if "matplotlib.pyplot" in sys.modules:  # nothing left open in pyplot's registry
        assert not sys.modules["matplotlib.pyplot"].get_fignums()


def test_no_plots_and_unknown_plots(data):
    assert PlotMaker(kinds=[]).make(data) == {}
    with pytest.raises(UserError, match=r"unknown plots.kinds \['lift'\]"):
        PlotMaker(kinds=["roc", "lift"]).make(data)
