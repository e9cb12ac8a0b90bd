"""Altman's Z-score (1968) as a scikit-learn classifier: the baseline every leaderboard needs.

The score is a fixed linear formula of five (Z'': four) ratios and the label is the classic
distress cut-off; nothing is learned except the training medians that stand in for missing
ratios. The model evaluates ``dataset.concepts`` (see `bankruptcy.preprocess.concepts`) on the
columns it receives, so those must be in their raw units: ``model=altman_z`` selects the
``preprocess=raw`` preset (inf -> missing, median imputation, no transform or scaling). With a
scaling preset the formula would be applied to standardized ratios and mean nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from bankruptcy.models.labels import binary_targets
from bankruptcy.preprocess.concepts import (
    ALTMAN_FORMS,
    ReadsColumnNames,
    altman_z,
    choose_altman_form,
    evaluate,
    named_rows,
    require_concepts,
)

STEP = "model=altman_z"


class AltmanZ(ReadsColumnNames, ClassifierMixin, BaseEstimator):
    """Altman Z-score classifier: bankrupt (``classes_[1]``, 1 in the project's data) when Z
    is below the form's distress cut-off.

    Parameters
    ----------
    concepts : dict of str to str
        ``dataset.concepts``: concept name -> pandas expression over the input columns (a
        DataFrame's names; an array's columns are ``x0``, ``x1``...).
    form : str
        ``"auto"`` (original Z with market equity, else Z', else Z''), ``"original"``,
        ``"z_prime"`` or ``"z_double_prime"``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels seen in ``fit``, sorted.
    n_features_in_, feature_names_in_
        Width and (DataFrame) column names seen in ``fit``.
    form_ : str
        The form used.
    cutoff_ : float
        Its distress cut-off (1.81, 1.23 or 1.10).
    fill_ : dict of str to float
        Training median of each concept, used where a ratio is missing or infinite (plain
        floats: a saved model holds no pandas objects).
    """

    _parameter_constraints: dict = {
        "concepts": [dict, None],
        "form": [StrOptions({"auto", *ALTMAN_FORMS})],
    }

    def __init__(self, concepts=None, form="auto"):
        self.concepts = concepts
        self.form = form

    def _validate_params(self) -> None:
        """scikit-learn's checks, then that the dataset declares the form's concepts.

        Raises
        ------
        PreprocessError
            Naming the concepts missing from ``dataset.concepts`` (known before any data).
        """
        super()._validate_params()
        form = choose_altman_form(self.concepts, self.form, STEP)
        require_concepts(self.concepts, ALTMAN_FORMS[form].weights, STEP)

    def fit(self, X, y):
        """Choose the form, check its concepts evaluate on `X`, learn fill values.

        `y` holds any two labels; ``classes_[1]`` (1 in the project's 0/1 data) is the
        bankrupt class the distress zone predicts. Nothing is learned from `y`.
        """
        self._validate_params()
        check_consistent_length(X, y)
        binary_targets(self, y)
        self.form_ = choose_altman_form(self.concepts, self.form, STEP)
        self.cutoff_ = ALTMAN_FORMS[self.form_].cutoff
        self.expressions_ = require_concepts(self.concepts, ALTMAN_FORMS[self.form_].weights, STEP)
        values = self._concept_values(X, reset=True)
        self.fill_ = {k: float(v) for k, v in values.median().fillna(0.0).items()}
        return self

    def z_score(self, X) -> np.ndarray:
        """Altman Z of each row (higher = healthier)."""
        check_is_fitted(self)
        values = self._concept_values(X, reset=False).fillna(self.fill_)
        return altman_z(values, self.form_).to_numpy()

    def decision_function(self, X) -> np.ndarray:
        """``cutoff - Z``: Z with its sign flipped (higher = more risk); > 0 means distress zone."""
        check_is_fitted(self)
        return self.cutoff_ - self.z_score(X)

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` (bankrupt) where Z is below the distress cut-off, else
        ``classes_[0]``."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(np.int64)]

    def _concept_values(self, X, reset: bool) -> pd.DataFrame:
        rows = named_rows(self, X, STEP, reset=reset)
        values = evaluate(rows, self.expressions_, STEP)
        return values.where(np.isfinite(values))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing ratio takes its training median
        tags.classifier_tags.multi_class = False  # distress zone or not
        # The 1968 formula is fixed: on data unlike a balance sheet's it scores as chance would
        tags.classifier_tags.poor_score = True
        return tags
