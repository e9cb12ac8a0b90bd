"""Model-input rows and feature descriptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from bankruptcy.interpret.features import as_fitted, describe, label, model_input, source_column

DESC = {
    "Attr3": "working capital / total assets",
    "Attr37": "(current assets - inventories) / long-term liabilities",
    "Attr7": "EBIT / total assets",
}


def test_source_column_prefers_the_longest_whole_name():
    assert source_column("Attr37_missing", list(DESC)) == "Attr37"
    assert source_column("Attr3_missing", list(DESC)) == "Attr3"
    assert source_column("Attr7", list(DESC)) == "Attr7"
    assert source_column("Attr30", list(DESC)) is None


def test_describe_and_label():
    assert describe("Attr7", DESC) == "EBIT / total assets"
    assert describe("Attr37_missing", DESC).startswith("derived from Attr37: (current assets")
    assert describe("altman_z", DESC) == ""
    assert label("Attr7", DESC) == "Attr7: EBIT / total assets"
    assert len(label("Attr37_missing", DESC, width=30)) == 30


def test_model_input_matches_what_the_model_is_fitted_on(polish_gb):
    rows = model_input(polish_gb.pipeline, polish_gb.X_test)
    model = polish_gb.pipeline[-1]
    assert rows.shape[1] == model.n_features_in_
    assert "Attr7" in rows.columns and "Attr37_missing" in rows.columns
    assert rows.index.equals(polish_gb.X_test.index)  # row filters (dedup) act in fit only
    direct = model.predict_proba(as_fitted(model, rows))[:, 1]
    assert abs(direct - polish_gb.test_scores).max() < 1e-12


def test_as_fitted_gives_the_model_the_input_form_it_was_fitted_on():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    y = np.array([0, 0, 1, 1])
    named = LogisticRegression().fit(frame, y)
    unnamed = LogisticRegression().fit(frame.to_numpy(), y)
    assert as_fitted(named, frame) is frame
    assert isinstance(as_fitted(unnamed, frame), np.ndarray)
