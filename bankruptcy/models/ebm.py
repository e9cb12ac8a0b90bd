"""Explainable Boosting Machines (InterpretML): a glass-box model as accurate as the boosters.

An EBM is a generalised additive model with a few pairwise interactions, fitted by cyclic
gradient boosting over binned features (Lou et al. 2013; Nori et al. 2019): the log-odds of
bankruptcy of a firm is exactly ``intercept + sum of one learned shape per term``, each shape a
lookup table over the bins of one feature (or of a pair). `ExplainableBoosting` wraps
InterpretML's ``ExplainableBoostingClassifier`` as a model of this project:

- its options are the library's (``model.interactions``, ``model.outer_bags`` ...), checked
  before any data is read by a dry fit of the library's estimator (`library_estimator`);
- missing values are the library's own bin (bin 0 of every feature), so no imputer is needed;
- ``monotone`` takes the signs the monotone boosters use (`bankruptcy.models.monotone`):
  ``auto`` or ``{column: +1/-1}``, passed to the library's ``monotone_constraints``, which
  boosts those features' shapes monotone and keeps them out of the interactions, so the model
  is monotone in them whatever the other features' values;
- ``edits`` overrule learned shapes after every fit (a credit team's review; `EDITS`), so a job
  with edits cross-validates, calibrates and tests the edited model;
- scoring is a bin lookup and a sum: in NumPy from the fitted bins and term scores for small
  batches (the library's own ``predict_proba`` costs 5-8 ms for one row, ours ~0.2 ms), by
  the library's native binning for large ones; both equal the library's
  ``decision_function`` to rounding (tests check 1e-12);
- explanations are exact: `contributions` gives every term's share of a row's log-odds,
  `term_table` every shape, `logit_curves` a row's log-odds as one feature moves.

The fitted library model stays inside (``ebm_``) for InterpretML's own tools
(``explain_global``, ``show``).
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from numbers import Real

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from bankruptcy.core.params import invalid
from bankruptcy.models.monotone import column_signs
from bankruptcy.preprocess.checks import PreprocessError
from bankruptcy.preprocess.concepts import ReadsColumnNames

STEP = "model=ebm"
#: The library's options this model passes on, with its defaults where this project's differ
#: (measured on Polish years 1 and 5: `conf/model/ebm.yaml`). See the library's docstring.
LIBRARY_OPTIONS = (
    "max_bins", "max_interaction_bins", "interactions", "validation_size", "outer_bags",
    "inner_bags", "learning_rate", "greedy_ratio", "smoothing_rounds",
    "interaction_smoothing_rounds", "max_rounds", "early_stopping_rounds",
    "early_stopping_tolerance", "min_samples_leaf", "min_hessian", "reg_alpha", "reg_lambda",
    "max_delta_step", "missing", "max_leaves", "n_jobs", "random_state",
)  # fmt: skip
#: Shape edits ``edits`` may hold, applied in this order after every fit:
#: ``drop``: terms (``Attr5``: every term using the feature; ``Attr5 & Attr27``: that pair);
#: ``monotone``: ``{feature: +1 or -1}``, the feature's shape made monotone by weighted isotonic
#: regression (the library's ``monotonize``) and its pairs dropped, so the PD is monotone in it;
#: ``cap``: ``{term: [low, high]}``, the term's contribution (log-odds) clipped to the range
#: (null: open).
EDITS = ("drop", "monotone", "cap")
#: Separator of the features in an interaction's name (InterpretML's).
PAIR = " & "
#: Batches up to this many rows are binned by comparing each value with every cut at once
#: (one NumPy call), larger ones by a binary search per column.
FEW_ROWS = 2
#: Batches of this many rows or more are scored by the library itself (its native binning is
#: ~4x faster than NumPy's binary search per value; its ~5 ms per call are then amortised).
LIBRARY_ROWS = 256
#: The label of the missing-value bin (bin 0 of every feature).
MISSING = "missing"


class ExplainableBoosting(ReadsColumnNames, ClassifierMixin, BaseEstimator):
    """InterpretML's Explainable Boosting Machine, scored and explained exactly in NumPy.

    Parameters
    ----------
    interactions : int, float, str or list
        Pairwise terms: a count chosen by the library (FAST), a share of the features
        (``0.5``, ``"2x"``), or explicit pairs of feature names (``[[Attr27, Attr5]]``).
    outer_bags : int
        Bagged models averaged (and the source of each shape's standard error).
    learning_rate, max_bins, max_interaction_bins, validation_size, inner_bags, greedy_ratio,
    smoothing_rounds, interaction_smoothing_rounds, max_rounds, early_stopping_rounds,
    early_stopping_tolerance, min_samples_leaf, min_hessian, reg_alpha, reg_lambda,
    max_delta_step, missing, max_leaves : see ``interpret.glassbox.ExplainableBoostingClassifier``
        Passed on as they are; the library checks them (a dry fit, before any data is read).
    monotone : None, "auto" or dict of str to int
        Features whose shape must never fall (+1) or never rise (-1) as they rise; ``auto``: the
        sign of each feature's binned bankrupt-rate trend on the training rows, as for the
        monotone boosters (`bankruptcy.models.monotone.column_signs`). Boosted under the
        library's monotone constraints; constrained features enter no interaction.
    edits : None or dict
        Shape edits applied after every fit (see `EDITS`), e.g.
        ``{drop: [Attr5], monotone: {Attr27: -1}, cap: {Attr46: [null, 0.5]}}``.
    n_jobs : int
        The library's processes for its bags (1: the job fits its folds side by side instead).
    random_state : int or None
        Seed of the bags and of the library's binning.

    Attributes
    ----------
    ebm_ : interpret.glassbox.ExplainableBoostingClassifier
        The fitted (and edited) library model.
    constraints_ : dict of str to int
        The sign each input column was constrained to (0 = free).
    classes_ : ndarray
        The two labels; contributions are toward ``classes_[1]`` (bankrupt).
    """

    _parameter_constraints: dict = {
        "monotone": [None, StrOptions({"auto"}), dict],
        "edits": [None, dict],
    }
    #: Column names are read in ``fit`` only (options naming columns, the library's term
    #: names); scoring reads columns by position, so a server may hand it plain arrays.
    names_in_fit_only = True

    def __init__(
        self,
        interactions=10,
        max_bins=1024,
        max_interaction_bins=64,
        validation_size=0.15,
        outer_bags=2,
        inner_bags=0,
        learning_rate=0.015,
        greedy_ratio=10.0,
        smoothing_rounds=75,
        interaction_smoothing_rounds=75,
        max_rounds=50000,
        early_stopping_rounds=100,
        early_stopping_tolerance=1e-5,
        min_samples_leaf=4,
        min_hessian=1e-4,
        reg_alpha=0.0,
        reg_lambda=0.0,
        max_delta_step=0.0,
        missing="separate",
        max_leaves=2,
        monotone=None,
        edits=None,
        n_jobs=1,
        random_state=42,
    ):
        self.interactions = interactions
        self.max_bins = max_bins
        self.max_interaction_bins = max_interaction_bins
        self.validation_size = validation_size
        self.outer_bags = outer_bags
        self.inner_bags = inner_bags
        self.learning_rate = learning_rate
        self.greedy_ratio = greedy_ratio
        self.smoothing_rounds = smoothing_rounds
        self.interaction_smoothing_rounds = interaction_smoothing_rounds
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.early_stopping_tolerance = early_stopping_tolerance
        self.min_samples_leaf = min_samples_leaf
        self.min_hessian = min_hessian
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.max_delta_step = max_delta_step
        self.missing = missing
        self.max_leaves = max_leaves
        self.monotone = monotone
        self.edits = edits
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ options
    def _validate_params(self) -> None:
        """scikit-learn's checks of this model's own options, then their inner rules (the
        library's options are checked by a dry fit of `library_estimator`)."""
        super()._validate_params()
        if isinstance(self.monotone, dict) and not all(_is_sign(v) for v in self.monotone.values()):
            raise invalid(self, "monotone", "a mapping feature -> +1, -1 or 0, or 'auto'")
        if self.edits:
            _check_edits(self)

    def library_estimator(self):
        """The unfitted ``ExplainableBoostingClassifier`` these options configure (what the
        job's option checks dry-fit: the library checks its options only in ``fit``)."""
        from interpret.glassbox import ExplainableBoostingClassifier

        return ExplainableBoostingClassifier(**{k: getattr(self, k) for k in LIBRARY_OPTIONS})

    def named_columns(self) -> dict[str, list[str]]:
        """The columns the options name (checked against the dataset before it is read)."""
        named = {}
        if isinstance(self.monotone, dict):
            named["monotone"] = list(self.monotone)
        if isinstance(self.interactions, list | tuple):
            pairs = [f for pair in self.interactions for f in np.ravel(pair) if isinstance(f, str)]
            if pairs:
                named["interactions"] = pairs
        for kind, names in (self.edits or {}).items():
            named[f"edits.{kind}"] = [f for term in names for f in str(term).split(PAIR)]
        return named

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Fit the library's EBM on (`X`, `y`) under the monotone signs, then apply `edits`."""
        self._validate_params()
        X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
        check_classification_targets(y)
        if type_of_target(y) != "binary":
            raise ValueError(
                f"Only binary classification is supported (bankrupt or not); the target is "
                f"{type_of_target(y)}"
            )
        if len(np.unique(y)) < 2:
            raise PreprocessError(f"{STEP}: the training rows hold one class only")
        names = _names(self)
        values = _finite(X)
        estimator = self.library_estimator().set_params(feature_names=names)
        self.constraints_ = dict.fromkeys(names, 0)
        if self.monotone is not None:
            frame = pd.DataFrame(values, columns=names)
            self.constraints_ = column_signs(self.monotone, frame, y, names)
            estimator.set_params(monotone_constraints=[self.constraints_[n] for n in names])
        with _quiet():
            estimator.fit(values, y)
        self.ebm_ = estimator
        self.classes_ = estimator.classes_
        self.edited_ = apply_edits(estimator, self.edits or {})
        self._lookup_ = _Lookup(estimator)
        return self

    # ------------------------------------------------------------------ scoring
    def _rows(self, X) -> np.ndarray:
        """`X` as float64 rows (inf as missing), checked against what ``fit`` saw.

        Rows in the fitted form (a DataFrame with the fitted columns, in order; a 2-D array
        when fitted on one) skip scikit-learn's checks, which cost several milliseconds for a
        row of a 64-column DataFrame, more than the scoring (a service answers one row at a
        time); anything else goes through them, with their errors and warnings.
        """
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if names is not None and hasattr(X, "columns") and list(X.columns) == list(names):
            values = X.to_numpy(np.float64)
        elif names is None and isinstance(X, np.ndarray) and X.ndim == 2:
            values = X
        else:
            values = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.n_features_in_:
            values = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        return _finite(values)

    def _lookup(self) -> _Lookup:
        """The fitted model's bins and scores laid out for scoring (built in ``fit``, and
        again on first use after loading: they are not saved)."""
        lookup = self.__dict__.get("_lookup_")
        if lookup is None or lookup.scores is not self.ebm_.term_scores_:
            lookup = self.__dict__["_lookup_"] = _Lookup(self.ebm_)
        return lookup

    def __getstate__(self):
        # the lookup tables are derived from `ebm_`: not saved, rebuilt on first use
        state = super().__getstate__()
        state.pop("_lookup_", None)
        return state

    def _bins(self, values: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        """Each term's bin index per row and feature: InterpretML's binning (bin 0 = missing,
        then 1 + the number of cuts at or below the value)."""
        lookup = self._lookup()
        index = lookup.bins(values)
        return [tuple(index[:, k] for k in columns) for columns in lookup.term_columns]

    def _contributions(self, values: np.ndarray) -> np.ndarray:
        if len(values) >= LIBRARY_ROWS:
            return np.asarray(self.ebm_.eval_terms(values), dtype=np.float64)
        return self._lookup().contributions(values)

    @property
    def intercept_(self) -> float:
        """The log-odds of a row whose every term contributes 0."""
        check_is_fitted(self)
        return float(np.ravel(self.ebm_.intercept_)[0])

    @property
    def term_names_(self) -> list[str]:
        """The additive terms: feature names, and ``A & B`` for interactions."""
        check_is_fitted(self)
        return list(self.ebm_.term_names_)

    def contributions(self, X) -> pd.DataFrame:
        """Every term's contribution to each row's log-odds of bankruptcy (columns: terms).

        Exact: ``intercept_ + contributions(X).sum(axis=1) == decision_function(X)``; the
        model's own explanation (SHAP is not needed: a row's score is this sum).
        """
        return pd.DataFrame(self._contributions(self._rows(X)), columns=self.term_names_)

    def feature_contributions(self, X) -> pd.DataFrame:
        """Each input feature's contribution to each row's log-odds (columns: features): its
        own shape's, plus half of each interaction it takes part in.

        Exact like `contributions` (``intercept_`` plus the row's sum is its log-odds); the
        per-feature form the job's importance tables and SHAP-style figures read.
        """
        terms = self._contributions(self._rows(X))
        names = list(self.ebm_.feature_names_in_)
        out = np.zeros((len(terms), len(names)))
        for t, features in enumerate(self.ebm_.term_features_):
            for f in features:
                out[:, f] += terms[:, t] / len(features)
        return pd.DataFrame(out, columns=names)

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of bankruptcy: the intercept plus every term's contribution."""
        return self.intercept_ + self._contributions(self._rows(X)).sum(axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """``[P(healthy), P(bankrupt)]``: the sigmoid of `decision_function`."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the log-odds are positive (a probability above 0.5)."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    # ------------------------------------------------------------------ explanations
    def term_bins(self, X) -> pd.DataFrame:
        """Each row's bin of each term, as the shape tables label it (``[0.1, 0.25)``,
        ``missing``; ``[a, b) × [c, d)`` for an interaction)."""
        index = self._bins(self._rows(X))
        labels = {}
        for t, (name, features) in enumerate(zip(self.term_names_, self.ebm_.term_features_,
                                                 strict=True)):  # fmt: skip
            parts = [
                np.asarray(_bin_labels(_cuts(self.ebm_, f, len(features))), dtype=object)[i]
                for f, i in zip(features, index[t], strict=True)
            ]
            labels[name] = parts[0] if len(parts) == 1 else parts[0] + " × " + parts[1]
        return pd.DataFrame(labels)

    def term_features(self) -> dict[str, list[str]]:
        """Each term's features (one, or two for an interaction)."""
        names = self.ebm_.feature_names_in_
        return {
            term: [names[f] for f in features]
            for term, features in zip(self.term_names_, self.ebm_.term_features_, strict=True)
        }

    def term_importances(self) -> pd.Series:
        """Mean absolute contribution of each term over the training rows (InterpretML's
        ``avg_weight`` importance), decreasing."""
        check_is_fitted(self)
        values = self.ebm_.term_importances("avg_weight")
        return pd.Series(values, index=self.term_names_, name="importance").sort_values(
            ascending=False, kind="stable"
        )

    def term_table(self) -> pd.DataFrame:
        """Every shape as a table (``interpret/ebm_terms.csv``): one row per range of values
        over which a term's contribution is constant.

        Neighbouring bins of equal score (and standard error) are one row, which keeps the
        table exact and a fraction of the ~1,000 bins per feature the library cuts. For an
        interaction, ranges of its second feature are merged within each bin of the first.

        Columns: ``term``; ``bin`` (the range's label: ``missing``, ``(-inf, a)``,
        ``[a, b)``, ``[b, inf)``; ``... × ...`` for an interaction); ``low``/``high`` (its
        edges, NaN for the missing-value bin) and ``low_2``/``high_2`` (an interaction's
        second feature); ``score`` (the contribution to the log-odds of a row in it);
        ``std_error`` (standard deviation across the outer bags; NaN where an edit replaced
        the shape); ``weight`` (training rows in it).
        """
        check_is_fitted(self)
        ebm = self.ebm_
        frames = []
        for t, (name, features) in enumerate(zip(self.term_names_, ebm.term_features_,
                                                 strict=True)):  # fmt: skip
            # the last bin of every dimension is InterpretML's "unknown" bin: unused for numbers
            keep = tuple(slice(0, -1) for _ in features)
            edges = [_bin_edges(_cuts(ebm, f, len(features))) for f in features]
            grids = np.meshgrid(*[np.arange(len(low)) for low, _ in edges], indexing="ij")
            frame = {}
            for d, (grid, (low, high)) in enumerate(zip(grids, edges, strict=True)):
                suffix = "" if d == 0 else f"_{d + 1}"
                frame[f"low{suffix}"] = low[grid.ravel()]
                frame[f"high{suffix}"] = high[grid.ravel()]
            errors = ebm.standard_deviations_[t]
            frame["score"] = ebm.term_scores_[t][keep].ravel()
            frame["std_error"] = np.nan if errors is None else errors[keep].ravel()
            frame["weight"] = ebm.bin_weights_[t][keep].ravel()
            frame = _merged(pd.DataFrame(frame), outer=grids[0].ravel() if len(grids) > 1 else None)
            label = _range_labels(frame["low"], frame["high"])
            if "low_2" in frame:
                label = label + " × " + _range_labels(frame["low_2"], frame["high_2"])
            frames.append(frame.assign(term=name, bin=label))
        columns = ["term", "bin", "low", "high", "low_2", "high_2", "score", "std_error", "weight"]
        return pd.concat(frames, ignore_index=True).reindex(columns=columns)

    def logit_curves(self, X, feature: str, values) -> np.ndarray:
        """Each row's log-odds as `feature` takes each of `values`, the others unchanged.

        Exact (bin lookups): what the recourse search needs for an additive model. Every term
        using `feature` is re-evaluated (its main shape and its interactions, at the row's
        values of the other feature); only those terms are looked up for the moved values, so
        a curve over a thousand values costs about as much as scoring the rows.

        Parameters
        ----------
        X : array-like (n_rows, n_features)
            Model-input rows.
        feature : str
            A model-input feature name.
        values : array-like (n_values,)
            Values to try (NaN: missing).

        Returns
        -------
        ndarray (n_rows, n_values)
        """
        return self.logit_curves_of(X, {feature: values})[feature]

    def logit_curves_of(self, X, values: dict) -> dict[str, np.ndarray]:
        """`logit_curves` of several features at once (feature -> its values to try), the
        rows scored once: feature -> ndarray (n_rows, n_values)."""
        rows = self._rows(X)
        lookup = self._lookup()
        base = self._contributions(rows)
        index = lookup.bins(rows)
        total = self.intercept_ + base.sum(axis=1)
        curves = {}
        for feature, tried in values.items():
            j = self._feature_index(feature)
            tried = _finite(np.asarray(tried, dtype=np.float64).ravel())
            using = self._terms_using(j)
            out = np.repeat((total - base[:, using].sum(axis=1))[:, None], len(tried), axis=1)
            for t in using:
                features, columns = self.ebm_.term_features_[t], lookup.term_columns[t]
                scores = self.ebm_.term_scores_[t]
                own = list(features).index(j)
                moved = np.searchsorted(lookup.columns[columns[own]][1], tried, side="right") + 1
                moved[np.isnan(tried)] = 0
                if len(features) == 1:
                    out += scores[moved][None, :]
                    continue
                other = index[:, columns[1 - own]][:, None]
                out += scores[moved[None, :], other] if own == 0 else scores[other, moved[None, :]]
            curves[feature] = out
        return curves

    def feature_cuts(self, feature: str) -> np.ndarray:
        """The values at which a row's log-odds can change as `feature` moves, sorted: the cuts
        of its terms (its own shape's and its cuts inside interactions) where one of them
        changes score, for some value of the other feature of a pair. Between two
        neighbouring cuts (a value equal to a cut belongs to the range above it) no row's
        log-odds depend on `feature`: the ranges an exact recourse search prices.
        """
        check_is_fitted(self)
        j = self._feature_index(feature)
        using = self._terms_using(j)
        levels = [_cuts(self.ebm_, j, len(self.ebm_.term_features_[t])) for t in using]
        cuts = np.unique(np.concatenate(levels)) if levels else np.empty(0)
        if not len(cuts):
            return cuts
        # a value in each range between the cuts, and what every term scores there
        inside = np.r_[np.nextafter(cuts[0], -np.inf), cuts]
        scores = []
        for t, level in zip(using, levels, strict=True):
            at = np.searchsorted(level, inside, side="right") + 1
            table = self.ebm_.term_scores_[t]
            own = list(self.ebm_.term_features_[t]).index(j)
            scores.append(np.moveaxis(table, own, 0)[at].reshape(len(inside), -1))
        scores = np.concatenate(scores, axis=1)
        return cuts[(scores[1:] != scores[:-1]).any(axis=1)]

    def _feature_index(self, feature: str) -> int:
        names = list(self.ebm_.feature_names_in_)
        if feature not in names:
            raise PreprocessError(f"{STEP}: no feature {feature!r} (features: {', '.join(names)})")
        return names.index(feature)

    def _terms_using(self, j: int) -> list[int]:
        return [t for t, fs in enumerate(self.ebm_.term_features_) if j in fs]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags


@contextmanager
def _quiet():
    """The library's fit without its chatter: tens of thousands of INFO log lines per job
    ("Start boosting", ...) and its warning that its own figures leave out missing values
    (this project's tables and figures show the missing-value bin)."""
    logger = logging.getLogger("interpret")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Missing values detected")
            yield
    finally:
        logger.setLevel(level)


class _Lookup:
    """A fitted EBM's bins and term scores as flat arrays: one ``searchsorted`` per binned
    column, then one gather for all one-feature terms and one for all pairs (a Python loop
    over 74 terms cost more than the lookups themselves for one row).

    Attributes
    ----------
    scores : list of ndarray
        The library model's ``term_scores_`` the tables were built from (an edit replaces
        the list, which invalidates them).
    columns : list of (int, ndarray)
        Each binned column: the feature and its cuts (a feature binned at two resolutions,
        for its shape and inside pairs, appears twice).
    term_columns : list of tuple of int
        Each term's positions in `columns`.
    """

    def __init__(self, ebm):
        self.scores = ebm.term_scores_
        self.columns, self.term_columns, at = [], [], {}
        for features in ebm.term_features_:
            for f in features:
                if (f, len(features)) not in at:
                    at[f, len(features)] = len(self.columns)
                    self.columns.append((f, _cuts(ebm, f, len(features))))
            self.term_columns.append(tuple(at[f, len(features)] for f in features))
        self.features = np.array([f for f, _ in self.columns], dtype=np.intp)
        width = max((len(cuts) for _, cuts in self.columns), default=0)
        self.padded = np.full((len(self.columns), width), np.inf)
        for k, (_, cuts) in enumerate(self.columns):
            self.padded[k, : len(cuts)] = cuts
        self.mains = [t for t, c in enumerate(self.term_columns) if len(c) == 1]
        self.pairs = [t for t, c in enumerate(self.term_columns) if len(c) == 2]
        self.main_at = np.array([self.term_columns[t][0] for t in self.mains], dtype=np.intp)
        self.main_flat, self.main_offset = _flat([self.scores[t] for t in self.mains])
        pair_at = np.array([self.term_columns[t] for t in self.pairs], dtype=np.intp)
        self.pair_first, self.pair_second = pair_at.reshape(-1, 2).T
        self.pair_stride = np.array([self.scores[t].shape[1] for t in self.pairs], dtype=np.intp)
        self.pair_flat, self.pair_offset = _flat([self.scores[t] for t in self.pairs])
        if len(self.mains) + len(self.pairs) != len(self.scores):
            raise PreprocessError(f"{STEP}: terms of three or more features are not supported")

    def bins(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each row (axis 0) in each binned column (axis 1)."""
        binned = values[:, self.features]
        if len(values) <= FEW_ROWS:  # one comparison per cut beats a call per column
            index = (self.padded[None] <= binned[:, :, None]).sum(axis=2)
        else:
            by_column = np.ascontiguousarray(binned.T)
            index = np.empty((len(self.columns), len(values)), dtype=np.intp)
            for k, (_, cuts) in enumerate(self.columns):
                index[k] = np.searchsorted(cuts, by_column[k], side="right")
            index = index.T
        index += 1
        index[np.isnan(binned)] = 0
        return index

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """Each term's contribution to each row's log-odds (rows x terms)."""
        index = self.bins(values)
        out = np.empty((len(values), len(self.scores)))
        out[:, self.mains] = self.main_flat[index[:, self.main_at] + self.main_offset]
        if self.pairs:
            cell = index[:, self.pair_first] * self.pair_stride + index[:, self.pair_second]
            out[:, self.pairs] = self.pair_flat[cell + self.pair_offset]
        return out


def _flat(tables: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The tables raveled into one array, and where each starts in it."""
    sizes = [t.size for t in tables]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    flat = np.concatenate([t.ravel() for t in tables]) if tables else np.empty(0)
    return flat, offsets


# ---------------------------------------------------------------------- edits
def apply_edits(ebm, edits: dict) -> list[dict]:
    """Apply shape `edits` (see `EDITS`) to a fitted library EBM in place; return what changed.

    Raises
    ------
    PreprocessError
        An edit naming a term or feature the model lacks, or a monotone edit of an
        interaction.
    """
    done = []
    for name in edits.get("drop") or []:
        terms = _terms_named(ebm, str(name))
        ebm.remove_terms(terms)
        done.append({"edit": "drop", "term": str(name), "terms_removed": len(terms)})
    for feature, sign in (edits.get("monotone") or {}).items():
        if sign == 0:
            continue
        pairs = [t for t in _terms_named(ebm, feature, missing_ok=True)
                 if len(ebm.term_features_[t]) > 1]  # fmt: skip
        ebm.remove_terms(pairs)
        main = _main_term(ebm, feature)
        before = ebm.term_scores_[main].copy()
        ebm.monotonize(main, increasing=bool(sign > 0))
        done.append(
            {
                "edit": "monotone",
                "term": feature,
                "direction": "increasing" if sign > 0 else "decreasing",
                "pairs_removed": len(pairs),
                "max_change": float(np.max(np.abs(ebm.term_scores_[main] - before))),
            }
        )
    for name, (low, high) in (edits.get("cap") or {}).items():
        t = _terms_named(ebm, str(name), exact=True)[0]
        before = ebm.term_scores_[t].copy()
        low = -np.inf if low is None else low
        high = np.inf if high is None else high
        ebm.term_scores_[t] = np.clip(before, low, high)
        changed = ebm.term_scores_[t] != before
        if changed.any() and ebm.standard_deviations_[t] is not None:
            ebm.standard_deviations_[t] = np.where(changed, np.nan, ebm.standard_deviations_[t])
        done.append({"edit": "cap", "term": str(name), "low": low, "high": high,
                     "bins_capped": int(changed.sum())})  # fmt: skip
    return done


def _terms_named(ebm, name: str, exact: bool = False, missing_ok: bool = False) -> list[int]:
    """Indexes of the terms `name` names: that term, or (a feature, unless `exact`) every term
    using the feature."""
    names = list(ebm.term_names_)
    if name in names and (exact or PAIR in name):
        return [names.index(name)]
    features = list(ebm.feature_names_in_)
    found = [] if exact or name not in features else [
        t for t, fs in enumerate(ebm.term_features_) if features.index(name) in fs
    ]  # fmt: skip
    if not found and not missing_ok:
        raise PreprocessError(
            f"{STEP}: model.edits names {name!r}, which is no term of the fitted model (its "
            f"terms: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''})"
        )
    return found


def _main_term(ebm, feature: str) -> int:
    names = list(ebm.term_names_)
    if feature not in names:
        raise PreprocessError(
            f"{STEP}: model.edits.monotone names {feature!r}, which has no shape of its own in "
            "the fitted model (dropped, or not a feature)"
        )
    return names.index(feature)


def _check_edits(model) -> None:
    """The form of ``edits``: known kinds, lists of names, signs, [low, high] ranges."""
    edits = model.edits
    must = (
        "a mapping with keys among drop (list of terms), monotone ({feature: +1 or -1}) and "
        "cap ({term: [low, high]})"
    )
    if set(edits) - set(EDITS):
        raise invalid(model, "edits", must)
    drop, monotone, cap = (edits.get(k) for k in EDITS)
    names = isinstance(drop, list | tuple) and all(isinstance(d, str) for d in drop)
    if drop is not None and not names:
        raise invalid(model, "edits", must)
    if monotone is not None and not (
        isinstance(monotone, dict) and all(_is_sign(v) for v in monotone.values())
    ):
        raise invalid(model, "edits", must)
    if cap is not None:
        ranges = cap.values() if isinstance(cap, dict) else [None]
        if not all(_is_range(r) for r in ranges):
            raise invalid(model, "edits", must)


def _is_sign(value) -> bool:
    return value in (-1, 0, 1) and not isinstance(value, bool)


def _is_range(value) -> bool:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return False
    low, high = value
    numbers = all(v is None or (isinstance(v, Real) and not isinstance(v, bool)) for v in value)
    return numbers and (low is None or high is None or low <= high)


# ---------------------------------------------------------------------- binning
def _names(model) -> list[str]:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return [f"x{j}" for j in range(model.n_features_in_)]
    return [str(n) for n in names]


def _finite(values: np.ndarray) -> np.ndarray:
    """Float rows with +/-inf as missing (the project's ``clean`` steps do the same)."""
    values = np.array(values, dtype=np.float64)
    values[np.isinf(values)] = np.nan
    return values


def _cuts(ebm, feature: int, level: int) -> np.ndarray:
    """The cut points of `feature` in a term of `level` features (InterpretML keeps one set
    for main effects and one for interactions)."""
    levels = ebm.bins_[feature]
    cuts = levels[min(len(levels), level) - 1]
    if isinstance(cuts, dict):
        raise PreprocessError(f"{STEP}: categorical features are not supported (numbers only)")
    return cuts


def _bin_edges(cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of each bin (the missing-value bin first: NaN, NaN)."""
    low = np.concatenate([[np.nan, -np.inf], cuts])
    high = np.concatenate([[np.nan], cuts, [np.inf]])
    return low, high


def _bin_labels(cuts: np.ndarray) -> list[str]:
    """``missing``, ``(-inf, a)``, ``[a, b)``, ..., ``[z, inf)``: InterpretML's bins of
    numbers (a value equal to a cut falls in the bin above it)."""
    return list(_range_labels(*_bin_edges(cuts)))


def _range_labels(low, high) -> pd.Series:
    """``missing`` where `low` is NaN, else ``(-inf, b)`` or ``[a, b)``."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    text = [
        MISSING if np.isnan(lo) else f"{'(' if lo == -np.inf else '['}{lo:.4g}, {hi:.4g})"
        for lo, hi in zip(low, high, strict=True)
    ]
    return pd.Series(text, dtype=object)


def _merged(frame: pd.DataFrame, outer: np.ndarray | None) -> pd.DataFrame:
    """Runs of neighbouring bins with equal ``score`` and ``std_error`` as one row (edges
    spanning the run, weights summed); the missing-value bin stays alone, and with `outer`
    (an interaction's first-feature bin of each row) runs stay within one outer bin."""
    last = "low_2" if "low_2" in frame else "low"
    missing = frame[last].isna().to_numpy()
    score, error = frame["score"].to_numpy(), frame["std_error"].to_numpy()
    same = (score[1:] == score[:-1]) & (
        (error[1:] == error[:-1]) | (np.isnan(error[1:]) & np.isnan(error[:-1]))
    )
    same &= ~missing[1:] & ~missing[:-1]
    if outer is not None:
        same &= outer[1:] == outer[:-1]
    run = np.concatenate([[0], np.cumsum(~same)])
    high = "high_2" if last == "low_2" else "high"
    agg = {c: "first" for c in frame.columns}
    agg.update({high: "last", "weight": "sum"})
    return frame.groupby(run, sort=False).agg(agg).reset_index(drop=True)
