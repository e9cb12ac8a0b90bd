"""Model-input rows and feature descriptions."""

from __future__ import annotations

from bankruptcy.interpret.features import describe, label, model_input, source_column

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
    assert list(rows.columns) == list(model.feature_names_in_)
    assert len(rows) == len(polish_gb.X_test)  # row filters (dedup) act in fit only
    direct = model.predict_proba(rows)[:, 1]
    assert abs(direct - polish_gb.test_scores).max() < 1e-12
