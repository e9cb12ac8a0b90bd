"""Domain features from dataset concepts on Polish, American and (a file in Taiwan's format)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankruptcy.preprocess.clean import Cleaner
from bankruptcy.preprocess.concepts import VOCABULARY
from bankruptcy.preprocess.features import ConceptFeatures
from tests.conftest import concepts_of


def test_polish_gets_the_book_equity_z_prime_score_from_its_columns(polish1):
    X = polish1.X
    step = ConceptFeatures(polish1.concepts, recipes=["altman", "ohlson"]).fit(X)
    out = step.set_output(transform="pandas").transform(X)
    assert step.form_ == "z_prime"
    expected = (
        0.717 * X.Attr3 + 0.847 * X.Attr6 + 3.107 * X.Attr7 + 0.420 * X.Attr8 + 0.998 * X.Attr9
    )
    pd.testing.assert_series_equal(out["altman_z"], expected, check_names=False)
    distress = out["altman_distress"].dropna()
    assert ((expected[distress.index] < 1.23) == (distress == 1)).all()
    pd.testing.assert_series_equal(out["ohlson_clca"], 1 / X.Attr4, check_names=False)
    assert (out["ohlson_oeneg"].dropna() == (X.Attr2 > 1)[out["ohlson_oeneg"].notna()]).all()
    assert list(out.columns[: X.shape[1]]) == list(X.columns)
    assert list(out.columns) == list(step.get_feature_names_out())
    # The score carries signal: bankrupt firms have lower Z (medians, real data).
    assert out["altman_z"][polish1.y == 1].median() < out["altman_z"][polish1.y == 0].median()


def test_american_uses_market_value_for_the_original_z(american):
    X = american.X.iloc[:2000]
    step = ConceptFeatures(american.concepts, recipes=["altman"]).fit(X)
    out = step.transform(X)
    assert step.form_ == "original"
    np.testing.assert_allclose(out["altman_market_equity_to_liabilities"], X.X8 / X.X17)
    np.testing.assert_allclose(out["altman_working_capital_to_assets"], (X.X1 - X.X14) / X.X10)


def test_taiwan_concepts_evaluate_on_a_file_in_the_original_format(tmp_path):
    from bankruptcy.data.taiwan import FEATURES, TARGET, load_taiwan

    rng = np.random.default_rng(0)
    values = rng.uniform(0.01, 1, size=(40, len(FEATURES)))
    header = ",".join([TARGET, *(f" {name}" for name in FEATURES)])  # Kaggle pads with a space
    rows = [",".join([str(i % 2), *map(str, row)]) for i, row in enumerate(values)]
    (tmp_path / "taiwan").mkdir()
    (tmp_path / "taiwan" / "data.csv").write_text("\n".join([header, *rows]) + "\n")
    ds = load_taiwan(data_dir=tmp_path, concepts=concepts_of("taiwan"))
    assert set(ds.concepts) == set(VOCABULARY) - {"market_equity_to_liabilities"}
    step = ConceptFeatures(ds.concepts, recipes=["altman", "ohlson"]).fit(ds.X)
    out = step.transform(ds.X)
    assert step.form_ == "z_prime"
    np.testing.assert_allclose(out["ohlson_size"], np.log(ds.X["Total assets to GNP price"]))
    assert not out[step.new_features_].isna().any().any()


def test_a_zero_denominator_becomes_missing_and_is_flagged_by_cleaning(american):
    X = american.X.iloc[:300].copy()
    X.loc[X.index[:3], "X1"] = 0.0  # current assets 0: current liabilities / current assets = inf
    features = ConceptFeatures(american.concepts, recipes=["ohlson"]).fit(X)
    cleaner = Cleaner().set_output(transform="pandas").fit(features.transform(X))
    out = cleaner.transform(features.transform(X))
    assert out["ohlson_clca"].iloc[:3].isna().all() and out["ohlson_clca"].iloc[3:].notna().all()
    assert out["ohlson_clca_inf"].tolist() == [1.0] * 3 + [0.0] * (len(X) - 3)


@pytest.mark.parametrize("form", ["original", "z_prime", "z_double_prime"])
def test_an_explicit_form_uses_its_own_concepts(american, form):
    step = ConceptFeatures(american.concepts, altman_form=form).fit(american.X.iloc[:50])
    assert step.form_ == form
    width = 4 if form == "z_double_prime" else 5
    assert len([c for c in step.new_features_ if c.startswith("altman_")]) == width + 2
