"""Ensembles of the project's own model options: out-of-fold stacking and score averaging.

The base models are named by their ``conf/model/<name>.yaml`` option (``model.base``); the
ensemble's YAML pulls every candidate option in through its defaults list, so
``model.candidates.<name>.<key>=...`` overrides a base model's setting and the job's resolved
config records it. The builder (`bankruptcy.experiment.builder.members`) builds only the chosen
ones and hands them over as ``estimators``, as scikit-learn's own ensembles take them. The
ensemble is the pipeline's last step: everything it fits, including the stacking's internal
cross-validation, sees only the rows the pipeline is fitted on.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import get_tags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from bankruptcy.core.params import invalid
from bankruptcy.models.labels import binary_targets

#: Probabilities closer than this are tied when ranked against the fitting rows': a base
#: model scores a row a rounding error apart alone and in a batch (BLAS sums in another
#: order), which would move a fitting row's rank by a whole place.
TIE = 1e-12


class _Ensemble(ClassifierMixin, BaseEstimator):
    """Delegates prediction to the fitted scikit-learn ensemble in ``ensemble_``."""

    def _make(self, estimators):
        raise NotImplementedError

    def fit(self, X, y):
        """Fit the ensemble (scikit-learn's, fitting clones of ``estimators``) on (`X`, `y`)."""
        self._validate_params()
        self.ensemble_ = self._make(list(self.estimators)).fit(X, y)
        self.classes_ = self.ensemble_.classes_
        self.n_features_in_ = self.ensemble_.n_features_in_
        return self

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``."""
        check_is_fitted(self)
        return self.ensemble_.predict_proba(X)

    def predict(self, X):
        """Most probable class of each row."""
        check_is_fitted(self)
        return self.ensemble_.predict(X)

    @property
    def named_estimators_(self):
        """The fitted base models by name."""
        check_is_fitted(self)
        return self.ensemble_.named_estimators_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # what every base model takes (scikit-learn's ensemble of the same base models says)
        inner = get_tags(self._make(list(self.estimators))).input_tags
        tags.input_tags.sparse, tags.input_tags.allow_nan = inner.sparse, inner.allow_nan
        return tags


class StackingEnsemble(_Ensemble):
    """Out-of-fold stacking: a logistic regression on the base models' bankruptcy scores.

    Each base model is cross-validated on the rows given to ``fit`` (stratified, shuffled
    `cv` folds); the meta-learner is trained on those out-of-fold scores only, then every base
    model is refitted on all the rows. Built on `sklearn.ensemble.StackingClassifier`.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The base models, named by their model option (``model.base``), unfitted.
    cv : int
        Folds of the internal cross-validation that produces the meta-learner's inputs.
    C : float
        Inverse L2 strength of the logistic-regression meta-learner.
    n_jobs : int
        Base models fitted in parallel (processes); 1 keeps a job on one core.
    random_state : int or None
        Seed of the internal fold shuffle (the base models take theirs from their configs).

    Attributes
    ----------
    ensemble_ : sklearn.ensemble.StackingClassifier
        The fitted stack.
    """

    _parameter_constraints: dict = {
        "estimators": [list, tuple],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimators=(), cv=5, C=1.0, n_jobs=1, random_state=None):
        self.estimators = estimators
        self.cv = cv
        self.C = C
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make(self, estimators):
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        return StackingClassifier(
            estimators,
            final_estimator=LogisticRegression(C=self.C),
            cv=folds,
            n_jobs=self.n_jobs,
        )

    def decision_function(self, X):
        """Log-odds of bankruptcy from the meta-learner."""
        check_is_fitted(self)
        return self.ensemble_.decision_function(X)


class VotingEnsemble(_Ensemble):
    """Soft voting: the (weighted) mean of the base models' bankruptcy probabilities or ranks.

    Built on `sklearn.ensemble.VotingClassifier`; every base model needs ``predict_proba``
    (``svm`` has none: stack it with `StackingEnsemble`, which reads its decision function).
    With ``average="rank"`` each base model's probability is replaced by its quantile among
    that model's probabilities on the rows it was fitted on, and the quantiles are averaged:
    models whose probabilities live on different scales (a booster's near 0 and 1, a forest's
    in between) then count alike. Rank averages are scores, not probabilities: the ensemble
    then has ``decision_function`` (mean quantile minus the share of non-bankrupt training
    rows, so ``predict`` flags about as many firms as the training rows had bankruptcies) and no
    ``predict_proba``.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The base models, named by their model option (``model.base``), unfitted.
    weights : list of float or None
        Weight of each base model, in the order of `estimators`; None = equal weights.
    average : {"probability", "rank"}
        What is averaged: the base models' probabilities or their quantiles.
    n_jobs : int
        Base models fitted in parallel (processes); 1 keeps a job on one core.

    Attributes
    ----------
    ensemble_ : sklearn.ensemble.VotingClassifier
        The fitted ensemble.
    reference_ : numpy.ndarray of shape (n_rows, n_base_models)
        With ``average="rank"``: each base model's sorted probabilities on the fitting rows.
    """

    _parameter_constraints: dict = {
        "estimators": [list, tuple],
        "weights": ["array-like", None],
        "average": [StrOptions({"probability", "rank"})],
        "n_jobs": [Integral, None],
    }

    def __init__(self, estimators=(), weights=None, average="probability", n_jobs=1):
        self.estimators = estimators
        self.weights = weights
        self.average = average
        self.n_jobs = n_jobs

    def _validate_params(self) -> None:
        """scikit-learn's checks of `_parameter_constraints`, then the rules between options."""
        super()._validate_params()
        names = [name for name, _ in self.estimators]
        if self.weights is not None and len(self.weights) != len(names):
            raise invalid(self, "weights", f"one weight per base model {names}")
        scoreless = [name for name, model in self.estimators if not hasattr(model, "predict_proba")]
        if scoreless:
            raise invalid(
                self,
                "estimators",
                "base models that give probabilities, which soft voting averages "
                "(stack the others with model=stacking)",
                got=f"{scoreless}, without probabilities",
            )

    def _make(self, estimators):
        return VotingClassifier(estimators, voting="soft", weights=self.weights, n_jobs=self.n_jobs)

    def fit(self, X, y):
        """Fit the base models on (`X`, `y`); for rank averaging keep their score references."""
        if self.average == "rank":
            binary_targets(self, y)  # one score per model: the probability of classes_[1]
        super().fit(X, y)
        if self.average == "rank":
            self.reference_ = np.sort(self._base_scores(X), axis=0)
            self.offset_ = 1.0 - float(np.mean(np.asarray(y) == self.classes_[-1]))
        return self

    def _base_scores(self, X) -> np.ndarray:
        return np.column_stack([m.predict_proba(X)[:, -1] for m in self.ensemble_.estimators_])

    @available_if(lambda self: self.average == "probability")
    def predict_proba(self, X):
        """Class probabilities (probability averaging only), columns ordered as ``classes_``."""
        return super().predict_proba(X)

    @available_if(lambda self: self.average == "rank")
    def decision_function(self, X):
        """Weighted mean quantile of the base models' bankruptcy probabilities, minus the share
        of non-bankrupt fitting rows (rank averaging only)."""
        check_is_fitted(self)
        scores, n = self._base_scores(X), len(self.reference_)
        quantiles = np.column_stack(
            [  # ties sit halfway between their first and last place
                np.searchsorted(ref, s - TIE, "left") + np.searchsorted(ref, s + TIE, "right")
                for ref, s in zip(self.reference_.T, scores.T, strict=True)
            ]
        ) / (2 * n)
        return np.average(quantiles, axis=1, weights=self.weights) - self.offset_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = self.average == "probability"
        return tags

    def predict(self, X):
        """Most probable class of each row; with rank averaging, the sign of the decision."""
        check_is_fitted(self)
        if self.average == "rank":
            return self.classes_[(self.decision_function(X) > 0).astype(int)]
        return super().predict(X)
