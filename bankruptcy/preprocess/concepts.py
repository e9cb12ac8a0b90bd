"""Financial concepts: the fixed vocabulary datasets map to their columns, and the classic scores.

A dataset declares ``concepts`` (``Dataset.concepts``, ``dataset.concepts`` in config): a mapping
from the concept names below to a pandas ``DataFrame.eval`` expression over its columns, e.g.
Polish ``ebit_to_assets: Attr7``, American ``working_capital_to_assets: (X1 - X14) / X10``,
Taiwan ``sales_to_assets: `Total Asset Turnover``` (backticks for names with spaces or symbols).

Vocabulary (all ratios are plain fractions, not percentages):

================================== ===================================================
``working_capital_to_assets``      working capital / total assets (Altman X1, Ohlson WCTA)
``retained_earnings_to_assets``    retained earnings / total assets (Altman X2)
``ebit_to_assets``                 EBIT / total assets (Altman X3)
``market_equity_to_liabilities``   market value of equity / total liabilities (Altman X4, Z)
``book_equity_to_liabilities``     book value of equity / total liabilities (X4 in Z', Z'')
``sales_to_assets``                sales / total assets (Altman X5)
``liabilities_to_assets``          total liabilities / total assets (Ohlson TLTA; OENEG > 1)
``current_liabilities_to_current_assets``  current liabilities / current assets (Ohlson CLCA)
``net_income_to_assets``           net income / total assets (Ohlson NITA)
``funds_from_operations_to_liabilities``   (net income + depreciation) / total liabilities
                                   (Ohlson FUTL)
``log_total_assets``               log of total assets (Ohlson SIZE, no price-level index)
================================== ===================================================

Altman forms (Altman 1968; Altman 1983 for Z'; Altman 1995 for Z''), with the distress cut-off
(Z below it = distress zone):

- ``original``: 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4(market) + 0.999 X5, cut-off 1.81
- ``z_prime``: 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4(book) + 0.998 X5, cut-off 1.23
- ``z_double_prime``: 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4(book), cut-off 1.10

``auto`` takes the first form whose concepts the dataset declares, in that order, so market
data (American X8) gives the original Z, book equity and sales (Polish) give Z'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from bankruptcy.preprocess.checks import PreprocessError, input_names, listed, require_numeric

VOCABULARY = (
    "working_capital_to_assets",
    "retained_earnings_to_assets",
    "ebit_to_assets",
    "market_equity_to_liabilities",
    "book_equity_to_liabilities",
    "sales_to_assets",
    "liabilities_to_assets",
    "current_liabilities_to_current_assets",
    "net_income_to_assets",
    "funds_from_operations_to_liabilities",
    "log_total_assets",
)

FIX = (
    "add a `concepts:` mapping (concept: pandas expression over the dataset's columns) to "
    "conf/dataset/<dataset>.yaml; names are listed in bankruptcy/preprocess/concepts.py"
)


@dataclass(frozen=True)
class AltmanForm:
    """One published Altman Z-score: concept weights and the distress cut-off."""

    weights: dict[str, float]
    cutoff: float


ALTMAN_FORMS = {
    "original": AltmanForm(
        {
            "working_capital_to_assets": 1.2,
            "retained_earnings_to_assets": 1.4,
            "ebit_to_assets": 3.3,
            "market_equity_to_liabilities": 0.6,
            "sales_to_assets": 0.999,
        },
        cutoff=1.81,
    ),
    "z_prime": AltmanForm(
        {
            "working_capital_to_assets": 0.717,
            "retained_earnings_to_assets": 0.847,
            "ebit_to_assets": 3.107,
            "book_equity_to_liabilities": 0.420,
            "sales_to_assets": 0.998,
        },
        cutoff=1.23,
    ),
    "z_double_prime": AltmanForm(
        {
            "working_capital_to_assets": 6.56,
            "retained_earnings_to_assets": 3.26,
            "ebit_to_assets": 6.72,
            "book_equity_to_liabilities": 1.05,
        },
        cutoff=1.10,
    ),
}

# Ohlson (1980) O-score inputs we can build from the vocabulary; INTWO and CHIN need the previous
# years' net income, which none of the datasets carries per row.
OHLSON_INDICATORS = {
    "ohlson_size": "log_total_assets",
    "ohlson_tlta": "liabilities_to_assets",
    "ohlson_wcta": "working_capital_to_assets",
    "ohlson_clca": "current_liabilities_to_current_assets",
    "ohlson_nita": "net_income_to_assets",
    "ohlson_futl": "funds_from_operations_to_liabilities",
}


class ReadsColumnNames:
    """Marks estimators that evaluate ``dataset.concepts``, so read their input columns by name.

    `bankruptcy.pipeline.assembly.build_pipeline` makes the steps before such an estimator output
    pandas DataFrames; everywhere else steps hand each other plain arrays, which is cheaper.
    """


def require_concepts(concepts, names, step: str) -> dict[str, str]:
    """Return the expressions of `names` from `concepts`, or raise naming what is missing.

    Parameters
    ----------
    concepts : mapping of str to str or None
        The dataset's concept mapping (``dataset.concepts``).
    names : iterable of str
        Concepts the caller needs.
    step : str
        Config option asking for them, for the message.
    """
    if not concepts:
        raise PreprocessError(
            f"{step} needs dataset.concepts, but the dataset declares none; {FIX}"
        )
    unknown = sorted(set(concepts) - set(VOCABULARY))
    if unknown:
        raise PreprocessError(
            f"{step}: dataset.concepts has unknown name(s) {unknown}; use names from "
            f"{list(VOCABULARY)}"
        )
    missing = [n for n in names if n not in concepts]
    if missing:
        raise PreprocessError(
            f"{step} needs concept(s) {missing} missing in dataset.concepts; {FIX}"
        )
    return {n: concepts[n] for n in names}


def named_rows(estimator, X, step: str, reset: bool) -> pd.DataFrame:
    """`X` checked as scikit-learn checks an estimator's input, as a DataFrame to evaluate
    concepts on.

    Numbers only (a text column is one line naming it), missing and infinite values allowed;
    ``reset=False`` (after ``fit``) checks the width and the column names against those seen
    in ``fit``. A DataFrame named as in ``fit`` comes back as it is; other rows get the names
    seen in ``fit``, else scikit-learn's ``x0``, ``x1``... (which concepts may then name).
    """
    require_numeric(X, step)
    values = validate_data(estimator, X, reset=reset, ensure_all_finite=False, dtype=np.float64)
    frame = isinstance(X, pd.DataFrame)
    if frame and hasattr(estimator, "feature_names_in_"):
        return X
    return pd.DataFrame(values, columns=input_names(estimator), index=X.index if frame else None)


def evaluate(frame: pd.DataFrame, expressions: dict[str, str], step: str) -> pd.DataFrame:
    """Evaluate concept expressions on `frame`; one float column per concept.

    Division by zero gives +/-inf (or NaN for 0/0), which the cleaning step turns into missing
    values and, with ``flag_infinite``, into a flag column.
    """
    columns = {}
    for name, expression in expressions.items():
        try:
            with np.errstate(all="ignore"):  # x / 0 and log(0) are expected; see docstring
                value = frame.eval(str(expression), engine="python")
        except Exception as error:  # pandas raises several types for a bad expression
            raise PreprocessError(
                f"{step}: concept {name!r} = {expression!r} cannot be evaluated on the columns "
                f"reaching this step ({type(error).__name__}: {error}; the columns: "
                f"{listed(frame.columns)}); fix it in "
                "conf/dataset/<dataset>.yaml, or use a preprocessing preset that keeps the raw "
                "columns (preprocess=raw)"
            ) from None
        columns[name] = np.broadcast_to(np.asarray(value, dtype=np.float64), len(frame))
    return pd.DataFrame(columns, index=frame.index)


def choose_altman_form(concepts, form: str, step: str) -> str:
    """Resolve ``form`` (a key of `ALTMAN_FORMS` or ``"auto"``) against the dataset's concepts."""
    if form != "auto":
        if form not in ALTMAN_FORMS:
            raise PreprocessError(
                f"{step}: unknown Altman form {form!r}; choose one of {['auto', *ALTMAN_FORMS]}"
            )
        return form
    fitting = [n for n, f in ALTMAN_FORMS.items() if all(c in (concepts or {}) for c in f.weights)]
    if not fitting:
        # Raises, naming what the loosest form (Z'') still lacks.
        require_concepts(concepts, ALTMAN_FORMS["z_double_prime"].weights, step)
    return fitting[0]


def altman_z(values: pd.DataFrame, form: str) -> pd.Series:
    """Altman Z-score of each row from concept columns (higher = healthier)."""
    weights = ALTMAN_FORMS[form].weights
    return sum(weight * values[concept] for concept, weight in weights.items()).rename("altman_z")
