"""Bad input: each problem is one UserError line naming it and the fix, or a reported fact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankruptcy.core.errors import UserError
from bankruptcy.monitoring import monitor, promotion_gate
from bankruptcy.monitoring.inputs import MIN_ROWS


@pytest.fixture
def frames():
    """A 300-row reference and a 100-row current window of three columns, with scores."""
    rng = np.random.default_rng(0)

    def frame(n):
        return pd.DataFrame(
            {"a": rng.normal(size=n), "b": rng.lognormal(size=n), "c": rng.integers(0, 2, n)}
        )

    return frame(300), frame(100), rng.beta(1, 9, 200), rng.beta(1, 9, 100)


def run(reference, current, ref_scores, cur_scores, **options):
    return monitor(reference, current, ref_scores, cur_scores, 0.3, calibrated=True, **options)


def test_missing_reference_columns_are_listed(frames):
    reference, current, ref_scores, cur_scores = frames
    with pytest.raises(UserError, match=r"lacks 2 .*\['a', 'c'\]"):
        run(reference, current.drop(columns=["a", "c"]), ref_scores, cur_scores)


def test_new_columns_are_ignored_and_listed(frames):
    reference, current, ref_scores, cur_scores = frames
    report = run(reference, current.assign(company="x", year=2020), ref_scores, cur_scores)
    assert report["columns_ignored"] == ["company", "year"]
    assert set(report["columns"]) == {"a", "b", "c"}


def test_all_missing_columns_are_reported_not_fatal(frames):
    reference, current, ref_scores, cur_scores = frames
    current = current.assign(b=np.nan)
    reference = reference.assign(c=np.nan)
    report = run(reference, current, ref_scores, cur_scores)
    assert report["quality"]["all_missing"] == ["b"]
    assert report["quality"]["all_missing_reference"] == ["c"]
    assert "b" in report["quality"]["missingness_changed"]
    for name in ("b", "c"):
        assert report["columns"][name]["status"].startswith("not tested")
        assert report["columns"][name]["pvalue"] is None


def test_an_all_missing_text_column_is_read_as_missing_numbers(frames):
    reference, current, ref_scores, cur_scores = frames
    report = run(reference, current.assign(a=pd.Series([None] * 100, dtype=object)), *frames[2:])
    assert report["quality"]["all_missing"] == ["a"]


def test_text_in_a_numeric_column_is_refused(frames):
    reference, current, ref_scores, cur_scores = frames
    current = current.assign(a=["1.5"] * 99 + ["n/a"])
    with pytest.raises(UserError, match=r"text in numeric column\(s\): a \('n/a'\)"):
        run(reference, current, ref_scores, cur_scores)


@pytest.mark.parametrize("rows", [0, 20])  # an empty log window, a short one
def test_too_few_rows_say_how_many_are_needed(frames, rows):
    reference, current, ref_scores, cur_scores = frames
    with pytest.raises(UserError, match=f"has {rows} row.*at least {MIN_ROWS}"):
        run(reference, current.iloc[:rows], ref_scores, cur_scores[:rows])


def test_one_score_per_current_row(frames):
    reference, current, ref_scores, cur_scores = frames
    with pytest.raises(UserError, match="current scores has 99 values for 100 rows"):
        run(reference, current, ref_scores, cur_scores[:99])


def test_calibrated_scores_must_be_probabilities(frames):
    reference, current, ref_scores, cur_scores = frames
    with pytest.raises(UserError, match=r"outside \[0, 1\].*calibrated=False"):
        run(reference, current, ref_scores, cur_scores * 20)


def test_uncalibrated_scores_get_no_estimate(frames):
    reference, current, ref_scores, cur_scores = frames
    report = monitor(reference, current, ref_scores * 20, cur_scores * 20, 2, calibrated=False)
    assert report["performance"]["estimated"]["status"].startswith("not available")
    assert "metrics" not in report["performance"]["estimated"]


def test_labels_other_than_0_1_are_listed(frames):
    reference, current, ref_scores, cur_scores = frames
    labels = np.array(["alive"] * 50 + ["failed"] * 49 + [1], dtype=object)
    with pytest.raises(UserError, match=r"other than 0/1: \['alive', 'failed'\]"):
        run(reference, current, ref_scores, cur_scores, labels=labels)


def test_unknown_labels_are_left_out_and_one_class_is_a_status(frames):
    reference, current, ref_scores, cur_scores = frames
    labels = np.r_[np.zeros(60), np.full(40, np.nan)]
    realized = run(reference, current, ref_scores, cur_scores, labels=labels)["performance"][
        "realized"
    ]
    assert realized["n_labelled"] == 60
    assert realized["status"] == (
        "not available: the labelled rows hold one class only (all 60 are 0)"
    )


def test_gate_refuses_one_class_labels():
    with pytest.raises(UserError, match=r"one class only \(all 50 are 0\)"):
        promotion_gate(np.zeros(50), np.linspace(0, 1, 50), np.linspace(0, 1, 50))


def test_gate_refuses_unknown_label_values():
    with pytest.raises(UserError, match=r"other than 0/1: \['2'\]"):
        promotion_gate(np.r_[np.zeros(25), np.ones(24), 2], np.ones(50) / 2, np.ones(50) / 2)
