"""Native W&B charts: the figures' data as small tables, curves cut along their shape."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.evaluation.charts import (
    CHARTS,
    MAX_POINTS,
    along_curve,
    make_charts,
    pr_points,
    roc_points,
)
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.plots import FIGURES, EvaluationData
from bankruptcy.experiment.outputs import JobOutputs
from tests.evaluation.test_plots import curve
from tests.helpers import SpyTracker


@pytest.fixture
def large():
    """A 60,000-row test set, as big as the largest (American) data's."""
    return EvaluationData(
        folds=[curve(20_000, s) for s in range(3)],
        test=curve(60_000, 9),
        oof=curve(60_000, 10),
        score_kind=ScoreKind.PROBA,
        threshold=0.2,
    )


def test_along_curve_keeps_the_ends_and_spends_points_where_the_curve_bends():
    x = np.linspace(0, 1, 10_001)
    bend = np.column_stack([x, np.where(x < 0.5, 0.0, (x - 0.5) * 200)])  # flat, then steep
    keep = along_curve(bend, 100)
    assert len(keep) <= 100 and keep[0] == 0 and keep[-1] == 10_000
    assert np.all(np.diff(keep) > 0)
    # scaled to the unit square the flat half is 0.5 long and the steep one sqrt(0.5² + 1²):
    # points go by path length (every k-th row would split them 50/50)
    steep = np.hypot(0.5, 1) / (0.5 + np.hypot(0.5, 1))
    assert np.mean(x[keep] >= 0.5) == pytest.approx(steep, abs=0.02)
    assert list(along_curve(bend[:50], 100)) == list(range(50))  # short curves stay whole


def test_curves_of_a_60k_row_test_set_are_bounded_and_keep_their_area(large):
    y, s = large.test
    roc, pr = roc_points(y, s), pr_points(y, s)
    assert len(roc) <= MAX_POINTS and len(pr) <= MAX_POINTS
    assert (roc.fpr.iloc[0], roc.tpr.iloc[0], roc.fpr.iloc[-1], roc.tpr.iloc[-1]) == (0, 0, 1, 1)
    assert np.trapezoid(roc.tpr, roc.fpr) == pytest.approx(roc_auc_score(y, s), abs=2e-3)
    # average precision is the step-wise area under the full PR curve
    step_area = -np.sum(np.diff(pr.recall) * pr.precision.to_numpy()[:-1])
    assert step_area == pytest.approx(average_precision_score(y, s), abs=5e-3)
    # thresholds fall as recall rises, and the first point flags nobody
    assert roc.threshold.is_monotonic_decreasing and roc.threshold.iloc[0] > s.max()


def test_every_chart_is_small_and_names_columns_it_has(large):
    charts = make_charts(list(FIGURES), large)
    assert set(charts) == {
        "roc_test", "roc_cv", "pr_test", "pr_cv", "confusion", "calibration", "scores",
        "threshold",
    }  # fmt: skip
    for name, chart in charts.items():
        columns = {c for c in chart.fields.values() if c is not None}
        assert columns <= set(chart.table.columns), name
        assert chart.strings["title"], name
        curve = chart.fields.get("class") or chart.fields.get("stroke")
        sizes = chart.table.groupby(curve).size() if curve else [len(chart.table)]
        assert max(sizes) <= MAX_POINTS, name
    assert sorted(charts["roc_cv"].table["class"].unique()) == ["fold 0", "fold 1", "fold 2"]
    assert set(charts["roc_test"].table["class"]) == {"test"}
    y, s = large.test
    confusion = charts["confusion"].table.set_index(["Actual", "Predicted"])["nPredictions"]
    assert confusion["bankrupt", "bankrupt"] == np.sum((y == 1) & (s >= 0.2))
    assert confusion.sum() == len(y)
    shares = charts["scores"].table.groupby("class")["share"].sum()
    assert shares.to_dict() == pytest.approx({"bankrupt": 1.0, "operating": 1.0})


def test_charts_follow_the_plot_kinds_and_the_score_kind(large):
    assert make_charts([], large) == {}
    assert set(make_charts(["pr"], large)) == {"pr_test", "pr_cv"}
    large.score_kind = ScoreKind.DECISION
    assert set(make_charts(["calibration", "roc"], large)) == {"roc_test", "roc_cv"}
    assert set(CHARTS) == set(FIGURES)  # every figure kind has its charts


def test_job_outputs_log_charts_under_charts_prefix_and_write_no_file(large, tmp_path):
    tracker = SpyTracker()
    charts = make_charts(["roc", "confusion"], large)
    JobOutputs(tmp_path, tracker).artifacts(Artifacts(charts=charts))
    assert set(tracker.charts) == {f"charts/{name}" for name in charts}
    assert not any(tmp_path.iterdir())
