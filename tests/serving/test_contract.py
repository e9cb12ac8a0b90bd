"""The input contract: what it records of the training rows, and how it checks a new batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankruptcy.serving.contract import InputContract

TRAIN = pd.DataFrame(
    {
        "gappy": [0.1, np.nan, 0.3, 0.4],  # missing values were seen in training
        "complete": [1.0, 2.0, 3.0, 4.0],  # never missing, never infinite, range [1, 4]
        "blowup": [1.0, np.inf, -1.0, 0.5],  # infinities were seen
    }
)


@pytest.fixture
def contract() -> InputContract:
    return InputContract.from_training(TRAIN, {"complete": "sales / assets"}, {"meaning": "1"})


def test_records_what_training_showed_and_round_trips_through_json(contract):
    gappy, complete, blowup = contract.features
    assert contract.names == ["gappy", "complete", "blowup"]
    assert gappy.missing_in_training and not complete.missing_in_training
    assert blowup.infinite_in_training and (blowup.min, blowup.max) == (-1.0, 1.0)
    assert complete.description == "sales / assets" and complete.quantiles["q0.5"] == 2.5
    assert InputContract.from_dict(contract.to_dict()) == contract


def test_an_ordinary_batch_passes_in_contract_order_with_identifiers_aside(contract):
    batch = pd.DataFrame({"id": ["a", "b"], "blowup": [0.0, 1.0], "complete": [1, 4], "gappy": 0.2})
    checked = contract.check(batch)
    assert not checked.problems and checked.warnings == [[], []]
    assert list(checked.X.columns) == contract.names and all(
        t == np.float64 for t in checked.X.dtypes
    )
    assert list(checked.passthrough["id"]) == ["a", "b"]


def test_missing_columns_are_listed_and_stop_the_batch(contract):
    checked = contract.check(pd.DataFrame({"gappy": [0.1]}))
    (problem,) = checked.problems
    assert problem.kind == "missing_columns" and problem.columns == ["complete", "blowup"]
    assert checked.X is None


@pytest.mark.parametrize(
    ("extra", "kinds", "ignored", "kept"),
    [
        ("reject", ["extra_columns"], [], []),
        ("ignore", [], ["id"], []),
        ("passthrough", [], [], ["id"]),
    ],
)
def test_unknown_columns_follow_the_policy(contract, extra, kinds, ignored, kept):
    batch = pd.DataFrame({"id": [7], "gappy": [0.1], "complete": [2.0], "blowup": [0.0]})
    checked = contract.check(batch, extra)
    assert [p.kind for p in checked.problems] == kinds
    assert checked.ignored == ignored and list(checked.passthrough.columns) == kept


def test_text_where_a_number_belongs_names_column_row_and_value(contract):
    batch = pd.DataFrame({"gappy": [0.1, 0.2], "complete": ["2.5", "lots"], "blowup": ["inf", 0]})
    (problem,) = contract.check(batch).problems
    assert problem.kind == "not_a_number" and problem.columns == ["complete"]
    assert problem.rows == [1] and problem.values == ["lots"]
    assert "column complete" in problem.message and "'lots'" in problem.message


def test_unusual_values_are_scored_but_flagged(contract):
    batch = pd.DataFrame(
        {
            "gappy": [np.nan, 0.2, 0.2],  # missing, as in training: no warning
            "complete": [np.nan, 99.0, 2.0],  # missing where training had none; out of range
            "blowup": [np.inf, 0.0, -np.inf],  # infinite, as in training: no warning
        }
    )
    checked = contract.check(batch)
    assert not checked.problems
    assert checked.warnings[0] == ["complete: missing (training had no missing values)"]
    assert checked.warnings[1] == ["complete=99: outside the training range [1, 4]"]
    assert checked.warnings[2] == []


def test_an_empty_batch_is_one_problem(contract):
    checked = contract.check(TRAIN.iloc[:0])
    assert [p.kind for p in checked.problems] == ["empty"]


def test_json_nulls_are_missing_values_and_json_booleans_are_not_numbers(contract):
    row = {"gappy": None, "complete": 2, "blowup": 0.5}  # one row: gappy is an object column
    checked = contract.check(pd.DataFrame([row]))
    assert not checked.problems
    assert np.isnan(checked.X.iloc[0, 0]) and checked.X.iloc[0, 1:].tolist() == [2.0, 0.5]
    (problem,) = contract.check(pd.DataFrame([{**row, "complete": True}])).problems
    assert problem.kind == "not_a_number" and problem.columns == ["complete"]
    (problem,) = contract.check(pd.DataFrame([{**row, "gappy": "n/a"}])).problems
    assert problem.kind == "not_a_number" and problem.columns == ["gappy"]
