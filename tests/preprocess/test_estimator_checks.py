"""Every public step of `bankruptcy.preprocess` passes scikit-learn's estimator checks; the
row filters (imbalanced-learn samplers) pass imbalanced-learn's sampler checks as well."""

from __future__ import annotations

import pytest
from imblearn.utils import estimator_checks as imblearn_checks
from sklearn.ensemble import IsolationForest
from sklearn.impute import KNNImputer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import bankruptcy.preprocess
from bankruptcy.preprocess.clean import Cleaner, InfToNaN
from bankruptcy.preprocess.features import ConceptFeatures
from bankruptcy.preprocess.impute import MissingFlags, NumericImputer
from bankruptcy.preprocess.outliers import DropOutlierRows, Winsorizer
from bankruptcy.preprocess.panel import PanelFeatures
from bankruptcy.preprocess.rows import DropDuplicates
from bankruptcy.preprocess.select import RFE, CorrelationFilter, MutualInfoKBest, SelectFromModel
from bankruptcy.preprocess.transform import QuantileTransformer
from tests.estimator_checks import (
    CONCEPTS,
    ONE_COLUMN,
    Expected,
    expected_cases,
    fails_for_its_reason,
    parametrize_with_sampler_checks,
    public_estimator_classes,
    reasons,
)

FILTERS = [DropDuplicates(), DropOutlierRows(), DropOutlierRows(IsolationForest(random_state=0))]
STEPS = [
    InfToNaN(),
    Cleaner(),
    ConceptFeatures(CONCEPTS, recipes=["altman", "ohlson"]),
    NumericImputer(),  # None: training medians
    NumericImputer(KNNImputer(n_neighbors=2)),
    MissingFlags(),
    Winsorizer(),
    MutualInfoKBest(k=1, random_state=0),
    RFE(LogisticRegression(), n_features_to_select=1),
    SelectFromModel(LogisticRegression()),
    CorrelationFilter(),
    QuantileTransformer(n_quantiles=10),
    # rows without history columns: the features=auto step hands them on (panel features need
    # named history columns, tests/horizons/test_panel.py)
    PanelFeatures(panels_only=True),
    *FILTERS,
]
EXPECTED = {ConceptFeatures: ONE_COLUMN}
# imbalanced-learn runs its sparse-DataFrame check whatever the sparse tag says; the filters
# take dense rows only (their tag says so, and scikit-learn's sparse checks see them refuse
# sparse input with scikit-learn's message).
SPARSE = Expected("dense rows only (sparse tag False)", "dense data is required")
FILTER_EXPECTED = {type(f): {"check_samplers_pandas_sparse": SPARSE} for f in FILTERS}


@parametrize_with_checks(STEPS, expected_failed_checks=reasons(EXPECTED), xfail_strict=True)
def test_steps_follow_the_scikit_learn_estimator_contract(estimator, check):
    check(estimator)


@parametrize_with_sampler_checks(FILTERS, FILTER_EXPECTED)
def test_row_filters_follow_the_imbalanced_learn_sampler_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    ("estimator", "check", "expected", "generator"),
    expected_cases(STEPS, EXPECTED)
    + expected_cases(FILTERS, FILTER_EXPECTED, imblearn_checks.estimator_checks_generator),
)
def test_a_check_expected_to_fail_fails_for_its_reason_only(estimator, check, expected, generator):
    fails_for_its_reason(estimator, check, expected, generator)


def test_every_public_step_is_checked():
    assert public_estimator_classes(bankruptcy.preprocess) == {type(s) for s in STEPS}
