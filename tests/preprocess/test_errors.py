"""Bad input gets one clear line naming the problem and the fix (a `UserError`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import KNNImputer

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.builder import build_experiment
from bankruptcy.preprocess.features import ConceptFeatures
from bankruptcy.preprocess.impute import NumericImputer


def fit_composed(compose, overrides):
    exp = build_experiment(compose([*overrides, "logger=none"]))
    return exp.pipeline.fit(exp.dataset.X, exp.dataset.y)


def test_feature_option_on_a_dataset_without_concepts(compose):
    with pytest.raises(UserError, match=r"needs dataset\.concepts.*conf/dataset/<dataset>\.yaml"):
        fit_composed(compose, ["dataset=qualitative", "preprocess/features=altman", "model=dummy"])


def test_concept_missing_from_the_mapping_is_named(polish1):
    concepts = {k: v for k, v in polish1.concepts.items() if k != "sales_to_assets"}
    with pytest.raises(UserError, match=r"needs concept\(s\) \['sales_to_assets'\]"):
        ConceptFeatures(concepts, altman_form="z_prime").fit(polish1.X)


def test_concept_over_a_column_the_data_lacks_names_the_concept_and_the_fix(polish1):
    X = polish1.X.drop(columns="Attr7")
    with pytest.raises(UserError, match=r"concept 'ebit_to_assets' = 'Attr7'.*preprocess=raw"):
        ConceptFeatures(polish1.concepts).fit(X)


def test_unknown_concept_name_lists_the_vocabulary(polish1):
    with pytest.raises(UserError, match=r"unknown name\(s\) \['ebit'\].*ebit_to_assets"):
        ConceptFeatures({**polish1.concepts, "ebit": "Attr7"}).fit(polish1.X)


def test_k_larger_than_the_features_reaching_selection(compose):
    # Qualitative: 6 features, the mutual-information option asks for 20
    with pytest.raises(UserError, match=r"k=20 but only 6 features.*preprocess\.select\.k"):
        fit_composed(compose, ["dataset=qualitative", "preprocess/select=mutual_info"])


def test_imputer_on_a_text_column_names_the_column():
    X = pd.DataFrame({"ratio": [1.0, np.nan, 3.0], "sector": ["steel", "retail", "retail"]})
    with pytest.raises(UserError, match=r"imputer: column\(s\) \['sector'\] hold text"):
        NumericImputer(KNNImputer()).fit(X)
