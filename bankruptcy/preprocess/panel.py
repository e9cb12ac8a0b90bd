"""Panel features: a firm's ratios, their change from its previous statement and their trend.

Each row carries its firm's earlier statements as history columns (``<item>_lag<k>``,
``years_reported``: `bankruptcy.horizons.history`, added to the data before any split, from
earlier rows only). This step evaluates ratios of the statement's items (by default the
dataset's concepts, e.g. American ``liabilities_to_assets: X17 / X10``) on the statement and
on each earlier one,
and hands on, per ratio: its value, ``<ratio>_change`` (minus the previous statement's) and,
with two or more lags, ``<ratio>_trend`` (least-squares slope per period over the statements
available); missing where the firm has no earlier statement. The history columns themselves
are consumed.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from bankruptcy.preprocess.checks import PreprocessError
from bankruptcy.preprocess.concepts import ReadsColumnNames, evaluate

STEP = "preprocess/features=panel"
#: The column counting a firm's earlier statements (kept as a feature).
REPORTED = "years_reported"


def lag_name(column: str, k: int) -> str:
    """The history column of `column` `k` periods back."""
    return f"{column}_lag{k}"


class PanelFeatures(ReadsColumnNames, TransformerMixin, BaseEstimator):
    """Concept ratios of each statement with their change and trend over the firm's history.

    Parameters
    ----------
    ratios : dict of str to str
        Ratio name -> pandas expression over the statement's items (default in config:
        ``dataset.concepts``).
    lags : int
        Earlier statements each row carries (the data gets that many history columns).
    keep_items : bool
        Hand on the statement's own items beside the ratios.
    panels_only : bool
        On rows without history columns (data without firms and periods), or without ratios,
        pass the rows on unchanged instead of refusing them: ``features=auto``. (The experiment
        replaces such a step by ``passthrough`` before fitting, so a package never holds an
        idle step that reads column names.)
    """

    _parameter_constraints: dict = {
        "ratios": [dict, None],
        "lags": [Interval(Integral, 1, None, closed="left")],
        "keep_items": ["boolean"],
        "panels_only": ["boolean"],
    }

    def __init__(self, ratios=None, lags=1, keep_items=False, panels_only=False):
        self.ratios = ratios
        self.lags = lags
        self.keep_items = keep_items
        self.panels_only = panels_only

    @property
    def history_lags(self) -> int:
        """Earlier statements the rows must carry (what the experiment adds to the data); 0
        with nothing to compute (``features=auto`` on data that declares no ratios)."""
        return self.lags if self.ratios else 0

    @property
    def names_in_fit_only(self) -> bool:
        """Whether the fitted step reads column names only when fitting: an idle
        ``features=auto`` step passes any rows on (a package may score arrays)."""
        return getattr(self, "idle_", False)

    def _validate_params(self) -> None:
        super()._validate_params()
        if not self.ratios and not self.panels_only:
            raise PreprocessError(
                f"{STEP} needs ratios (name: expression over the statement's items); the "
                "dataset declares no concepts: set preprocess.features.ratios"
            )

    def fit(self, X, y=None):
        """Find the statement items that carry history; check every expression on one row."""
        self._validate_params()
        validate_data(self, X, ensure_all_finite=False)  # width, names, numbers
        columns = list(map(str, X.columns)) if isinstance(X, pd.DataFrame) else []
        self.expressions_ = dict(self.ratios or {})
        self.items_ = [c for c in columns if lag_name(c, 1) in columns]
        self.idle_ = self.panels_only and not (self.items_ and self.expressions_)
        if self.idle_:
            self.others_, self.names_out_ = columns, columns
            return self
        if not columns:
            raise PreprocessError(f"{STEP} needs named columns (a pandas DataFrame)")
        lacking = [lag_name(i, k) for k in range(1, self.lags + 1) for i in self.items_]
        lacking = [c for c in [*lacking, REPORTED] if c not in columns]
        if not self.items_ or lacking:
            raise PreprocessError(
                f"{STEP} needs each statement's history columns (e.g. {lacking[:3] or 'X1_lag1'}"
                "); the experiment adds them on firm-year data (a firm and a time column)"
            )
        history = {lag_name(i, k) for k in range(1, self.lags + 1) for i in self.items_}
        consumed = history | set(self.items_) | {REPORTED}
        self.others_ = [c for c in columns if c not in consumed]
        self.names_out_ = list(self._derive(X.iloc[:1]).columns)
        return self

    def transform(self, X):
        """The columns that are neither items nor history (e.g. a hazard model's year ahead),
        the items (with `keep_items`), ``years_reported`` and the panel features; the rows as
        they are for an idle ``features=auto`` step."""
        check_is_fitted(self, "items_")
        if not self.idle_:
            return self._derive(X)
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == self.n_features_in_:
            return X  # a package's array path: nothing to check, nothing to compute
        values = validate_data(self, X, reset=False, ensure_all_finite=False)
        return X if isinstance(X, pd.DataFrame) else values

    def _derive(self, X: pd.DataFrame) -> pd.DataFrame:
        statements = [evaluate(X[self.items_], self.expressions_, STEP)]
        for k in range(1, self.lags + 1):
            earlier = X[[lag_name(i, k) for i in self.items_]]
            earlier.columns = self.items_
            statements.append(evaluate(earlier, self.expressions_, STEP))
        current, previous = statements[0], statements[1]
        parts = [X[self.others_ + (self.items_ if self.keep_items else [])]]
        parts += [X[[REPORTED]], current, (current - previous).add_suffix("_change")]
        if self.lags >= 2:
            parts.append(_trends(statements[::-1]).add_suffix("_trend"))
        return pd.concat(parts, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a firm's first statement has no history: missing
        return tags

    def get_feature_names_out(self, input_features=None):
        """The output columns (other columns, items, ``years_reported``, ratios, changes,
        trends)."""
        check_is_fitted(self, "names_out_")
        if self.idle_:
            return _check_feature_names_in(self, input_features)
        return np.asarray(self.names_out_, dtype=object)


def _trends(statements: list[pd.DataFrame]) -> pd.DataFrame:
    """Least-squares slope per period of each column over `statements` (oldest first), from
    the finite values of each row; missing where fewer than two are finite."""
    values = np.stack([s.to_numpy(dtype=np.float64) for s in statements])  # (periods, n, c)
    times = np.arange(len(statements), dtype=np.float64)[:, None, None]
    valid = np.isfinite(values)
    count = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.where(valid, times, 0).sum(axis=0) / count
        v_mean = np.where(valid, values, 0).sum(axis=0) / count
        dt = np.where(valid, times - t_mean, 0)
        slope = (dt * np.where(valid, values - v_mean, 0)).sum(axis=0) / (dt**2).sum(axis=0)
    slope[count < 2] = np.nan
    return pd.DataFrame(slope, index=statements[0].index, columns=statements[0].columns)
