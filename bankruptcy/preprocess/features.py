"""Domain feature engineering: Altman Z-score and Ohlson-style indicators from dataset concepts."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from bankruptcy.preprocess.checks import PreprocessError
from bankruptcy.preprocess.concepts import (
    ALTMAN_FORMS,
    OHLSON_INDICATORS,
    ReadsColumnNames,
    altman_z,
    choose_altman_form,
    evaluate,
    require_concepts,
)

log = logging.getLogger(__name__)

STEP = "preprocess/features"


class ConceptFeatures(ReadsColumnNames, TransformerMixin, BaseEstimator):
    """Append domain features computed from the dataset's concept expressions.

    Placed before cleaning, so ratios with a zero denominator (inf) are turned into missing
    values and flagged there, and the new columns are imputed, clipped and scaled like the rest.

    Parameters
    ----------
    concepts : dict of str to str or None
        ``dataset.concepts``: concept name -> pandas expression over the input columns.
    recipes : list of str
        ``"altman"`` (components ``altman_<concept>``, ``altman_z`` and the 0/1
        ``altman_distress`` flag) and/or ``"ohlson"`` (``ohlson_*`` indicators for the concepts
        the dataset declares, plus ``ohlson_oeneg`` = liabilities exceed assets).
    altman_form : str
        ``"auto"``, ``"original"``, ``"z_prime"`` or ``"z_double_prime"``.
    """

    def __init__(self, concepts=None, recipes=("altman",), altman_form="auto"):
        self.concepts = concepts
        self.recipes = recipes
        self.altman_form = altman_form

    def fit(self, X, y=None):
        """Check the concepts exist and evaluate on `X`; choose the Altman form."""
        step = f"{STEP} ({'+'.join(self.recipes)})"
        unknown = sorted(set(self.recipes) - {"altman", "ohlson"})
        if unknown or not self.recipes:
            raise PreprocessError(
                f"{step}: recipes must be among ['altman', 'ohlson'], got {unknown}"
            )
        needed = []
        self.form_ = None
        if "altman" in self.recipes:
            self.form_ = choose_altman_form(self.concepts, self.altman_form, step)
            needed += list(ALTMAN_FORMS[self.form_].weights)
        if "ohlson" in self.recipes:
            # Use the indicators the dataset can build; with none, ask for all of them.
            available = [c for c in OHLSON_INDICATORS.values() if c in (self.concepts or {})]
            needed += [c for c in available or OHLSON_INDICATORS.values() if c not in needed]
        self.expressions_ = require_concepts(self.concepts, needed, step)
        # Evaluating on one row fails in fit, not at predict time, on a bad expression.
        self.new_features_ = list(self._new_columns(X.iloc[:1]).columns)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        log.info("%s: adds %s", step, self.new_features_)
        return self

    def transform(self, X):
        """Return `X` with the domain feature columns appended."""
        check_is_fitted(self)
        return pd.concat([X, self._new_columns(X)], axis=1)

    def _new_columns(self, X) -> pd.DataFrame:
        values = evaluate(X, self.expressions_, STEP)
        parts = []
        if self.form_ is not None:
            weights = ALTMAN_FORMS[self.form_].weights
            z = altman_z(values, self.form_)
            parts += [
                values[list(weights)].add_prefix("altman_"),
                z,
                (z < ALTMAN_FORMS[self.form_].cutoff)
                .astype(np.float64)
                .where(z.notna())
                .rename("altman_distress"),
            ]
        if "ohlson" in self.recipes:
            names = {k: v for k, v in OHLSON_INDICATORS.items() if v in values}
            ohlson = pd.DataFrame({k: values[v] for k, v in names.items()}, index=X.index)
            if "ohlson_tlta" in ohlson:
                tlta = ohlson["ohlson_tlta"]
                ohlson["ohlson_oeneg"] = (tlta > 1).astype(np.float64).where(tlta.notna())
            parts.append(ohlson)
        return pd.concat(parts, axis=1)

    def get_feature_names_out(self, input_features=None):
        """Input column names followed by the new feature names."""
        check_is_fitted(self)
        return np.asarray([*self.feature_names_in_, *self.new_features_], dtype=object)
