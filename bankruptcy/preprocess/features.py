"""Domain feature engineering: Altman Z-score and Ohlson-style indicators from dataset concepts."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from bankruptcy.core.params import invalid
from bankruptcy.preprocess.checks import input_names
from bankruptcy.preprocess.concepts import (
    ALTMAN_FORMS,
    OHLSON_INDICATORS,
    ReadsColumnNames,
    altman_z,
    choose_altman_form,
    evaluate,
    named_rows,
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

    _parameter_constraints: dict = {
        "concepts": [dict, None],
        "recipes": [list, tuple],
        "altman_form": [StrOptions({"auto", *ALTMAN_FORMS})],
    }

    def __init__(self, concepts=None, recipes=("altman",), altman_form="auto"):
        self.concepts = concepts
        self.recipes = recipes
        self.altman_form = altman_form

    def _validate_params(self) -> None:
        """scikit-learn's checks, then the recipes and the concepts they need (no data needed)."""
        super()._validate_params()
        if not self.recipes or not set(self.recipes) <= {"altman", "ohlson"}:
            raise invalid(self, "recipes", "one or both of ['altman', 'ohlson']")
        self._plan()

    def _plan(self) -> tuple[str | None, dict[str, str]]:
        """The Altman form (None without that recipe) and the concept expressions needed.

        Raises
        ------
        PreprocessError
            Naming the concepts missing from ``dataset.concepts``.
        """
        step = f"{STEP} ({'+'.join(self.recipes)})"
        needed, form = [], None
        if "altman" in self.recipes:
            form = choose_altman_form(self.concepts, self.altman_form, step)
            needed += list(ALTMAN_FORMS[form].weights)
        if "ohlson" in self.recipes:
            # Use the indicators the dataset can build; with none, ask for all of them.
            available = [c for c in OHLSON_INDICATORS.values() if c in (self.concepts or {})]
            needed += [c for c in available or OHLSON_INDICATORS.values() if c not in needed]
        return form, require_concepts(self.concepts, needed, step)

    def fit(self, X, y=None):
        """Check the concepts exist and evaluate on `X`; choose the Altman form."""
        self._validate_params()
        self.form_, self.expressions_ = self._plan()
        rows = named_rows(self, X, STEP, reset=True)
        # Evaluating on one row fails in fit, not at predict time, on a bad expression.
        self.new_features_ = list(self._new_columns(rows.iloc[:1]).columns)
        log.info("%s (%s): adds %s", STEP, "+".join(self.recipes), self.new_features_)
        return self

    def transform(self, X):
        """`X` with the domain feature columns appended: a DataFrame for a DataFrame (the
        steps after it read the new columns' names), else an array."""
        check_is_fitted(self)
        rows = named_rows(self, X, STEP, reset=False)
        new = self._new_columns(rows)
        if isinstance(X, pd.DataFrame):
            return pd.concat([X, new], axis=1)
        return np.hstack([rows.to_numpy(), new.to_numpy()])

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
        names = input_names(self, input_features)
        return np.asarray([*names, *self.new_features_], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing ratio gives missing features
        return tags
