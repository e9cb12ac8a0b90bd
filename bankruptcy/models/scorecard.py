"""The credit scorecard: monotone optimal binning, weight of evidence, logistic regression, points.

Each ratio is cut into a few bins by optbinning's optimal binning (fitted on the training rows
the pipeline hands to ``fit``, so it is leak-free like any other step), with a monotone
(or peak/valley) bankrupt rate across the bins and missing values as a bin of their own. Each
bin's weight of evidence (WoE) replaces the ratio; the ratios with enough information value
(IV) and not too correlated with a stronger one enter a logistic regression on their WoE; the
fitted model is scaled to points per bin (points to double the odds `pdo`, `base_score` at
`base_odds`), the form credit-risk teams review and deploy.

After ``fit`` the estimator holds plain data only (bin edges, counts, WoE and points per bin,
coefficients): it saves and loads with skops without any optbinning object.

Conventions
-----------
Labels are any two values; the bankrupt class is ``classes_[1]``, scikit-learn's positive class
(1 in the project's 0/1 data). WoE is risk-oriented:
``WoE = ln(bankrupt share of the bin / healthy share of the bin)``, so a bin riskier than
average has WoE > 0. Points follow the field's convention, higher = healthier:
``score = offset + factor * ln(healthy:bankrupt odds)`` with ``factor = pdo / ln 2`` and
``offset = base_score - factor * ln(base_odds)``; a company's score is ``base_points_`` plus
the points of its bin in each feature.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.core.params import invalid
from bankruptcy.models.labels import binary_targets
from bankruptcy.preprocess.checks import PreprocessError, input_names, listed
from bankruptcy.preprocess.concepts import ReadsColumnNames

#: optbinning's monotonic trends a feature's bankrupt rate may be asked to follow. The
#: ``auto_asc_desc`` default picks ascending or descending per feature (a monotone scorecard,
#: and a sign for ``model.monotone=auto`` of the boosted models); ``auto`` also allows a peak
#: or a valley and costs about twice the fit time (measured on Polish year 1: 3.4 s vs 1.5 s
#: for 64 ratios).
TRENDS = frozenset(
    {"auto", "auto_asc_desc", "auto_heuristic", "ascending", "descending", "peak", "valley"}
)
#: Rows of average risk each bin's bankrupt rate is shrunk with (`_woe`): a tiny missing-value
#: bin says little; bins of the binning itself (at least min_bin_size of the rows) hardly move.
PRIOR_ROWS = 10
#: Label of the missing-value bin in the points table.
MISSING = "Missing"
STEP = "model=scorecard"


class Scorecard(ReadsColumnNames, ClassifierMixin, BaseEstimator):
    """Points scorecard on optimally binned ratios (optbinning), fitted on training rows only.

    Parameters
    ----------
    monotonic_trend : str or dict of str to str
        Trend of the bankrupt rate over each feature's bins, one of `TRENDS` for every
        feature, or a mapping feature -> trend (features it does not name get
        ``auto_asc_desc``).
    max_n_bins : int
        Most bins per feature (the missing-value bin not counted).
    min_bin_size : float
        Least share of the training rows in a bin.
    max_n_prebins : int
        Quantile pre-bins the optimiser merges from (fewer = faster, coarser).
    max_pvalue : float or None
        Neighbouring bins must differ in bankrupt rate at this significance (optbinning's
        ``max_pvalue``, z-test): a ratio that says nothing stays one bin and scores IV 0
        instead of an IV the optimiser found in noise. None: no test.
    min_iv : float
        Least information value for a feature to enter the model.
    max_correlation : float
        A feature whose WoE correlates more than this (absolute Pearson) with a feature of
        higher IV already chosen is left out.
    max_features : int
        Most features in the scorecard (those of highest IV).
    C : float
        Inverse L2 penalty of the logistic regression on the WoE values.
    pdo : float
        Points that double the healthy:bankrupt odds.
    base_score : float
        Score at odds `base_odds`.
    base_odds : float
        Healthy:bankrupt odds that score `base_score` (50 = one bankruptcy in 51).
    rounding : bool
        Round each bin's points (and the base points) to whole numbers, as published.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels seen in ``fit``, sorted; ``classes_[1]`` is the bankrupt class (1 in
        the project's 0/1 data), whose share per bin the WoE and points contrast.
    n_features_in_ : int
        Columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names, when ``fit`` got a DataFrame with string column names; an array's
        columns are called ``x0``, ``x1``... (`features_`, `iv_`, ``monotonic_trend``).
    features_ : list of str
        The features in the scorecard, by decreasing IV.
    splits_ : list of ndarray
        Each feature's inner bin edges; bin ``i`` holds ``splits[i-1] <= x < splits[i]``.
    counts_, events_ : list of ndarray
        Training rows and bankrupt training rows per bin, the missing-value bin last.
    woe_, points_ : list of ndarray
        WoE and points per bin, the missing-value bin last (WoE 0, the average risk, for a
        bin training rows left empty; see `_woe` for the shrinkage of small bins).
    woe_coef_ : ndarray of shape (len(features_),)
        Logistic-regression coefficients of the WoE values (not ``coef_``: they weigh the
        chosen features' WoE, not the input columns, which linear explainers would assume).
    intercept_ : float
        Its intercept.
    base_points_ : float
        Points every company gets (the offset and the intercept).
    iv_ : dict of str to float
        Information value of every binned feature (chosen or not).
    risk_direction_ : dict of str to int
        +1 where the bankrupt rate rises across a feature's bins, -1 where it falls, 0 where
        it does neither (a peak or a valley), for every binned feature.
    """

    _parameter_constraints: dict = {
        "monotonic_trend": [StrOptions(set(TRENDS)), dict],
        "max_n_bins": [Interval(Integral, 2, None, closed="left")],
        "min_bin_size": [Interval(Real, 0, 0.5, closed="right")],
        "max_n_prebins": [Interval(Integral, 2, None, closed="left")],
        "max_pvalue": [Interval(Real, 0, 1, closed="right"), None],
        "min_iv": [Interval(Real, 0, None, closed="left")],
        "max_correlation": [Interval(Real, 0, 1, closed="right")],
        "max_features": [Interval(Integral, 1, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "pdo": [Interval(Real, 0, None, closed="neither")],
        "base_score": [Interval(Real, None, None, closed="neither")],
        "base_odds": [Interval(Real, 0, None, closed="neither")],
        "rounding": ["boolean"],
    }

    def __init__(
        self,
        monotonic_trend="auto_asc_desc",
        max_n_bins=5,
        min_bin_size=0.05,
        max_n_prebins=10,
        max_pvalue=0.05,
        min_iv=0.02,
        max_correlation=0.7,
        max_features=15,
        C=1.0,
        pdo=20.0,
        base_score=600.0,
        base_odds=50.0,
        rounding=True,
    ):
        self.monotonic_trend = monotonic_trend
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.max_n_prebins = max_n_prebins
        self.max_pvalue = max_pvalue
        self.min_iv = min_iv
        self.max_correlation = max_correlation
        self.max_features = max_features
        self.C = C
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.rounding = rounding

    def _validate_params(self) -> None:
        """scikit-learn's checks, then the trend names of a per-feature mapping."""
        super()._validate_params()
        if isinstance(self.monotonic_trend, dict):
            wrong = {k: v for k, v in self.monotonic_trend.items() if v not in TRENDS}
            if wrong:
                raise invalid(
                    self, "monotonic_trend", f"a trend among {sorted(TRENDS)} for every feature"
                )

    def named_columns(self) -> dict[str, list[str]]:
        """The columns the options name (checked against the dataset before it is read)."""
        trend = self.monotonic_trend
        return {"monotonic_trend": list(trend)} if isinstance(trend, dict) else {}

    def fit(self, X, y):
        """Bin every feature on (`X`, `y`), choose features, fit the regression, scale points."""
        from optbinning import OptimalBinning  # ~1 s of imports: only scorecard jobs pay

        self._validate_params()
        values, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
        y = binary_targets(self, y)
        names, values = self._columns(values)
        trends = self._trends(names)

        binned, woe_columns = {}, {}
        for j, name in enumerate(names):
            optimal = OptimalBinning(
                name=name,
                dtype="numerical",
                monotonic_trend=trends[name],
                max_n_bins=self.max_n_bins,
                min_bin_size=self.min_bin_size,
                max_n_prebins=self.max_n_prebins,
                max_pvalue=self.max_pvalue,
            )
            optimal.fit(values[:, j], y)
            splits = np.asarray(optimal.splits, dtype=float)
            index = _bin_index(values[:, j], splits)
            counts, events = _bin_counts(index, len(splits) + 2, y)
            binned[name] = (splits, counts, events, _woe(counts, events))
            woe_columns[name] = binned[name][3][index]
        self.iv_ = {name: _iv(b[1], b[2], b[3]) for name, b in binned.items()}
        self.risk_direction_ = {name: _direction(b[3][:-1]) for name, b in binned.items()}

        chosen = self._choose(names, woe_columns)
        # WoE is risk-oriented, so a negative coefficient turns a riskier bin into more points:
        # a collinear feature fighting a stronger one. Drop the most negative and refit, as
        # scorecards are reviewed for (every feature's points follow its bankrupt rate).
        while True:
            regression = LogisticRegression(C=self.C, max_iter=1000)
            regression.fit(np.column_stack([woe_columns[n] for n in chosen]), y)
            worst = int(np.argmin(regression.coef_[0]))
            if regression.coef_[0][worst] >= 0 or len(chosen) == 1:
                break
            chosen = chosen[:worst] + chosen[worst + 1 :]
        self.features_ = chosen
        self.splits_ = [binned[n][0] for n in chosen]
        self.counts_ = [binned[n][1] for n in chosen]
        self.events_ = [binned[n][2] for n in chosen]
        self.woe_ = [binned[n][3] for n in chosen]
        self.woe_coef_ = regression.coef_[0].astype(float)
        self.intercept_ = float(regression.intercept_[0])
        self._scale()
        return self

    def _trends(self, names: list[str]) -> dict[str, str]:
        """Each column's trend; a mapping naming a column the rows lack is one line."""
        if not isinstance(self.monotonic_trend, dict):
            return dict.fromkeys(names, self.monotonic_trend)
        unknown = sorted(set(self.monotonic_trend) - set(names))
        if unknown:
            raise PreprocessError(
                f"{STEP}: model.monotonic_trend names {unknown}, which the model's input lacks "
                f"(its columns: {listed(names)})"
            )
        return {name: self.monotonic_trend.get(name, "auto_asc_desc") for name in names}

    def _choose(self, names: list[str], woe: dict[str, np.ndarray]) -> list[str]:
        """Features by decreasing IV, at least `min_iv`, not too correlated, at most
        `max_features`; the single best feature if none reaches `min_iv`."""
        ranked = sorted(names, key=lambda n: -self.iv_[n])
        chosen: list[str] = []
        for name in ranked:
            if self.iv_[name] < self.min_iv or len(chosen) == self.max_features:
                break
            if np.std(woe[name]) == 0:  # one bin: nothing to learn from it
                continue
            correlations = [abs(np.corrcoef(woe[name], woe[c])[0, 1]) for c in chosen]
            if max(correlations, default=0.0) <= self.max_correlation:
                chosen.append(name)
        return chosen or ranked[:1]

    def _scale(self) -> None:
        """Points per bin from the coefficients: ``-factor * coef * WoE`` (higher = healthier)."""
        factor = self.pdo / math.log(2)
        offset = self.base_score - factor * math.log(self.base_odds)
        round_ = np.round if self.rounding else np.asarray
        self.points_ = [
            round_(-factor * c * woe).astype(float) + 0.0  # + 0.0: no "-0" points
            for c, woe in zip(self.woe_coef_, self.woe_, strict=True)
        ]
        self.base_points_ = float(round_(offset - factor * self.intercept_)) + 0.0

    def _columns(self, values: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The input's column names (those seen in ``fit``, else scikit-learn's ``x0``, ``x1``
        ...) and its validated values with infinities as NaN (the missing-value bin)."""
        values = np.where(np.isinf(values), np.nan, values)
        return [str(c) for c in input_names(self)], values

    def _bins(self, X) -> np.ndarray:
        """Bin index of each row in each scorecard feature (the missing bin last)."""
        check_is_fitted(self)
        values = validate_data(self, X, ensure_all_finite=False, dtype=np.float64, reset=False)
        names, values = self._columns(values)
        return np.column_stack(
            [
                _bin_index(values[:, names.index(n)], splits)
                for n, splits in zip(self.features_, self.splits_, strict=True)
            ]
        )

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of bankruptcy: ``intercept + sum(coef * WoE)`` (higher = riskier)."""
        bins = self._bins(X)
        woe = np.column_stack([w[bins[:, k]] for k, w in enumerate(self.woe_)])
        return self.intercept_ + woe @ self.woe_coef_

    def predict_proba(self, X) -> np.ndarray:
        """``[P(healthy), P(bankrupt)]`` of the logistic regression on the WoE values."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` (bankrupt) where its probability is above 0.5, else ``classes_[0]``
        (the sign of `decision_function`, as scikit-learn's classifiers)."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(np.int64)]

    def feature_points(self, X) -> pd.DataFrame:
        """Points of each row in each scorecard feature (columns `features_`)."""
        bins = self._bins(X)
        return pd.DataFrame({n: self.points_[k][bins[:, k]] for k, n in enumerate(self.features_)})

    def score_points(self, X) -> np.ndarray:
        """Total score of each row: `base_points_` plus its points (higher = healthier)."""
        return self.base_points_ + self.feature_points(X).to_numpy().sum(axis=1)

    def points_lost(self, X) -> pd.DataFrame:
        """Points each row lacks in each feature against the feature's best bin (reason codes:
        the features with the most points lost explain a low score)."""
        points = self.feature_points(X)
        best = np.array([p.max() for p in self.points_])
        return best - points

    def points_table(self) -> pd.DataFrame:
        """The scorecard: feature, bin, count, bankrupt rate, WoE, IV and points per bin."""
        check_is_fitted(self)
        rows = []
        for k, name in enumerate(self.features_):
            labels = _bin_labels(self.splits_[k])
            counts, events, woe = self.counts_[k], self.events_[k], self.woe_[k]
            iv = _bin_iv(counts, events, woe)
            for i, label in enumerate(labels):
                rows.append(
                    {
                        "feature": name,
                        "bin": label,
                        "count": int(counts[i]),
                        "bankrupt_rate": events[i] / counts[i] if counts[i] else np.nan,
                        "woe": float(woe[i]),
                        "iv": float(iv[i]),
                        "points": float(self.points_[k][i]),
                    }
                )
        return pd.DataFrame(rows)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values have a bin of their own
        tags.classifier_tags.multi_class = False  # WoE contrasts two classes
        return tags


def _bin_index(x: np.ndarray, splits: np.ndarray) -> np.ndarray:
    """Bin of each value: ``searchsorted`` on the edges (optbinning's ``[a, b)`` bins); NaN
    goes to the last slot, the missing-value bin."""
    index = np.searchsorted(splits, x, side="right")
    index[np.isnan(x)] = len(splits) + 1
    return index


def _bin_counts(index: np.ndarray, n_bins: int, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(index, minlength=n_bins).astype(float)
    events = np.bincount(index, weights=y, minlength=n_bins).astype(float)
    return counts, events


def _woe(counts: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Risk-oriented WoE per bin, ``logit(rate) - logit(overall rate)``, with each bin's rate
    shrunk toward the overall rate by `PRIOR_ROWS` rows of average risk.

    The shrinkage keeps a bin without bankrupt (or healthy) rows finite and keeps every bin's
    sign: a bin safer than average never costs points (a half row added to each class instead
    gave a two-row missing-value bin without bankruptcies the WoE of a risky bin). An empty
    bin gets 0, the average risk.
    """
    rate = events.sum() / counts.sum()
    shrunk = (events + PRIOR_ROWS * rate) / (counts + PRIOR_ROWS)
    return np.log(shrunk / (1 - shrunk)) - np.log(rate / (1 - rate))


def _bin_iv(counts: np.ndarray, events: np.ndarray, woe: np.ndarray) -> np.ndarray:
    bad, good = events, counts - events
    return (bad / max(bad.sum(), 1) - good / max(good.sum(), 1)) * woe


def _iv(counts: np.ndarray, events: np.ndarray, woe: np.ndarray) -> float:
    return float(_bin_iv(counts, events, woe).sum())


def _direction(woe: np.ndarray) -> int:
    """+1 if the risk never falls across the (non-missing) bins, -1 if it never rises."""
    steps = np.diff(woe)
    if len(steps) == 0 or np.all(steps == 0):
        return 0
    if np.all(steps >= 0):
        return 1
    if np.all(steps <= 0):
        return -1
    return 0


def _bin_labels(splits: np.ndarray) -> list[str]:
    """``(-inf, a)``, ``[a, b)``, ..., ``[z, inf)``, then `MISSING`."""
    edges = [-np.inf, *splits, np.inf]
    labels = [
        f"{'(' if lo == -np.inf else '['}{lo:.4g}, {hi:.4g})"
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    return [*labels, MISSING]
