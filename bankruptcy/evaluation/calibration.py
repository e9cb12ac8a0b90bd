"""Calibration maps: a model's raw scores -> probabilities of default (PDs), kept as plain data.

A map is fitted on the out-of-fold scores of the training rows (the validation rows of the CV
folds, which no sampler ever touched), so it also undoes a sampler's shift of the class balance,
and it works on any score: a probability (``predict_proba``) or a decision function's value
(an SVM, a rank-averaging ensemble). The ``calibration`` config group chooses the method:

- `PlattCalibration` (``sigmoid``): PD = sigmoid(a * logit(s) + c), two parameters;
- `BetaCalibration` (``beta``, Kull et al. 2017): PD = sigmoid(a * log s - b * log(1 - s) + c),
  a, b >= 0, three parameters: bends both tails, still sound on a few hundred bankruptcies;
- `IsotonicCalibration` (``isotonic``): a monotone step function (pool-adjacent-violators)
  turned into a piecewise-linear one through the centres of its steps; flexible, so it needs
  many bankruptcies;
- `NoCalibration` (``none``): the scores unchanged.

Every fitted map is a small dict (`to_dict`) that `apply_map` evaluates with NumPy alone: the
model package stores it in ``package.json`` (auditable in the card) and an ONNX export can
rebuild it from standard operators. Its keys:

- ``form``: ``identity``; ``logistic`` (PD = sigmoid(``intercept`` + sum of ``coef[k]`` times
  feature ``features[k]``)); or ``piecewise_linear`` (PD = linear interpolation of ``y``
  between the knots ``x`` of feature ``feature``, constant beyond the end knots);
- ``method``: the option that fitted it; ``input``: ``proba`` or ``decision``; ``clip``.

Features of a raw score: for probabilities ``s``, clipped to [``clip``, 1 - ``clip``]:
``logit`` = log s - log(1 - s), ``log`` = log s, ``log1m`` = log(1 - s). A decision value ``x``
is read as the log-odds of sigmoid(x): ``logit`` = x, ``log`` = -softplus(-x), ``log1m`` =
-softplus(x) (ONNX: Clip, Log, Sub, Softplus, Neg, Mul, Add, Sigmoid; the piecewise-linear form
as a sum of clipped ramps).
"""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.validation import check_is_fitted

from bankruptcy.evaluation.metrics import ScoreKind

log = logging.getLogger(__name__)

#: Probabilities are clipped to [CLIP, 1 - CLIP] before their logarithms are taken.
CLIP = 1e-12


def features(spec: dict, scores) -> dict[str, np.ndarray]:
    """The ``logit``, ``log`` and ``log1m`` features of raw `scores` (see the module docstring)."""
    scores = np.asarray(scores, dtype=np.float64)
    if spec["input"] == ScoreKind.DECISION:
        return {
            "logit": scores,
            "log": -np.logaddexp(0.0, -scores),
            "log1m": -np.logaddexp(0.0, scores),
        }
    clip = spec.get("clip", CLIP)
    s = np.clip(scores, clip, 1 - clip)
    log_s, log_1m = np.log(s), np.log1p(-s)
    return {"logit": log_s - log_1m, "log": log_s, "log1m": log_1m}


def apply_map(spec: dict, scores) -> np.ndarray:
    """PDs of raw `scores` under the fitted map `spec` (``package.json``'s form).

    Parameters
    ----------
    spec : dict
        A map's `to_dict` (module docstring).
    scores : array-like
        The model's raw scores of the bankrupt class.
    """
    form = spec["form"]
    if form == "identity":
        return np.asarray(scores, dtype=np.float64)
    found = features(spec, scores)
    if form == "logistic":
        z = spec["intercept"] + sum(
            c * found[name] for name, c in zip(spec["features"], spec["coef"], strict=True)
        )
        return expit(z)
    if form == "piecewise_linear":
        return np.interp(found[spec["feature"]], spec["x"], spec["y"])
    raise ValueError(f"unknown calibration form {form!r}; expected identity, logistic, ...")


def fit_logistic(X, y, offset=0.0, bounds=None) -> tuple[np.ndarray, float]:
    """Maximum-likelihood ``(coef, intercept)`` of P(y = 1) = sigmoid(offset + intercept + X coef).

    Newton-Raphson with step halving (a handful of iterations on a few parameters); a bound
    a coefficient's unconstrained optimum violates fixes it at that bound and the rest are
    refitted (the beta-calibration authors' procedure).

    Parameters
    ----------
    X : array of shape (n, k)
        Features (k may be 0: an intercept-only model).
    y : array of shape (n,)
        Targets in [0, 1] (soft targets allowed, e.g. Platt's).
    offset : float or array of shape (n,)
        A fixed term of the log-odds (e.g. logit(PD) for the calibration intercept).
    bounds : list of (low, high), optional
        Bounds of each coefficient (None = unbounded), e.g. (0, None) for a monotone map.
    """
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64).reshape(len(y), -1)
    bounds = list(bounds or [(None, None)] * X.shape[1])
    coef = np.zeros(X.shape[1])
    free = np.ones(X.shape[1], dtype=bool)
    while True:
        fixed_part = offset + X[:, ~free] @ coef[~free]
        w = _newton(np.column_stack([X[:, free], np.ones(len(y))]), y, fixed_part)
        coef[free] = w[:-1]
        beyond = [
            (j, lo if lo is not None and coef[j] < lo else hi)
            for j, (lo, hi) in enumerate(bounds)
            if free[j] and ((lo is not None and coef[j] < lo) or (hi is not None and coef[j] > hi))
        ]
        if not beyond:
            return coef, float(w[-1])
        j, bound = beyond[0]
        coef[j], free[j] = bound, False


def _log_loss(design, y, offset, w) -> float:
    z = offset + design @ w
    return float(np.sum(np.logaddexp(0.0, z) - y * z))


def _newton(design: np.ndarray, y: np.ndarray, offset, max_iter: int = 100) -> np.ndarray:
    """Coefficients minimising the log loss of sigmoid(offset + design w) against `y`."""
    rate = np.clip(np.mean(y), 1e-6, 1 - 1e-6)
    w = np.zeros(design.shape[1])
    w[-1] = np.log(rate / (1 - rate)) - np.mean(offset)  # the last column is the intercept
    loss = _log_loss(design, y, offset, w)
    for _ in range(max_iter):
        p = expit(offset + design @ w)
        gradient = design.T @ (p - y)
        hessian = (design * (p * (1 - p))[:, None]).T @ design
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        size = 1.0
        while True:  # halve the step until the loss does not rise
            trial = w - size * step
            trial_loss = _log_loss(design, y, offset, trial)
            if trial_loss <= loss + 1e-12 * abs(loss) or size < 1e-10:
                break
            size /= 2
        w, moved, loss = trial, size * np.max(np.abs(step), initial=0.0), trial_loss
        if moved < 1e-10:
            break
    return w


class ScoreCalibrator(BaseEstimator):
    """A map from raw scores to PDs, fitted on (score, label) pairs of rows no model trained on.

    Subclasses set `method` and implement ``_fit(features, y) -> dict`` (the map's parameters).

    Attributes
    ----------
    input_ : str
        ``proba`` or ``decision``: what the raw scores were.
    map_ : dict
        The fitted map (`to_dict`).
    """

    method: ClassVar[str]

    def fit(self, scores, y, score_kind: ScoreKind | str = ScoreKind.PROBA):
        """Fit the map on raw `scores` of the bankrupt class and 0/1 labels `y`."""
        self._validate_params()
        scores = np.asarray(scores, dtype=np.float64)
        y = np.asarray(y).astype(np.int64)
        if scores.shape != y.shape or not np.isfinite(scores).all():
            raise ValueError("calibration needs one finite score per label")
        if y.min() == y.max():
            raise ValueError("calibration needs both classes among its rows")
        self.input_ = str(ScoreKind(score_kind))
        spec = {"method": self.method, "input": self.input_, "clip": CLIP}
        self.map_ = spec | self._fit(features(spec, scores), y)
        return self

    def predict(self, scores) -> np.ndarray:
        """PDs of raw `scores`."""
        check_is_fitted(self, "map_")
        return apply_map(self.map_, scores)

    def to_dict(self) -> dict:
        """The fitted map as plain data (module docstring)."""
        check_is_fitted(self, "map_")
        return dict(self.map_)

    def output_kind(self, raw: ScoreKind) -> ScoreKind:
        """What the mapped scores are: probabilities."""
        return ScoreKind.PROBA

    def _fit(self, found: dict[str, np.ndarray], y: np.ndarray) -> dict:
        raise NotImplementedError


class NoCalibration(ScoreCalibrator):
    """The ``calibration=none`` option: scores as the model gives them."""

    method = "none"
    _parameter_constraints: ClassVar[dict] = {}

    def _fit(self, found, y) -> dict:
        return {"form": "identity"}

    def output_kind(self, raw: ScoreKind) -> ScoreKind:
        """The raw scores' kind (a decision function stays one)."""
        return raw


class PlattCalibration(ScoreCalibrator):
    """Platt scaling: a logistic regression of the label on the score's log-odds.

    Parameters
    ----------
    smoothing : bool
        Fit to Platt's targets (N+ + 1) / (N+ + 2) and 1 / (N- + 2) instead of 1 and 0, as
        scikit-learn's sigmoid calibration does: keeps a map fitted on few bankruptcies
        from promising certainty.
    """

    method = "sigmoid"
    _parameter_constraints: ClassVar[dict] = {"smoothing": ["boolean"]}

    def __init__(self, smoothing: bool = True):
        self.smoothing = smoothing

    def _fit(self, found, y) -> dict:
        targets = platt_targets(y) if self.smoothing else y
        coef, intercept = fit_logistic(found["logit"], targets, bounds=[(0, None)])
        return _logistic(["logit"], coef, intercept)


class BetaCalibration(ScoreCalibrator):
    """Beta calibration: log-odds of the PD linear in log s and log(1 - s).

    Parameters
    ----------
    monotone : bool
        Keep both slopes non-negative (the PD never falls as the score rises), as the
        method's authors recommend; ``False`` fits them freely.
    """

    method = "beta"
    _parameter_constraints: ClassVar[dict] = {"monotone": ["boolean"]}

    def __init__(self, monotone: bool = True):
        self.monotone = monotone

    def _fit(self, found, y) -> dict:
        X = np.column_stack([found["log"], found["log1m"]])
        bounds = [(0, None), (None, 0)] if self.monotone else None
        coef, intercept = fit_logistic(X, y, bounds=bounds)
        return _logistic(["log", "log1m"], coef, intercept)


class IsotonicCalibration(ScoreCalibrator):
    """Centred isotonic regression of the label on the score's log-odds.

    Pool-adjacent-violators (scikit-learn's `IsotonicRegression`) gives a step function;
    its steps would tie every company inside one (companies the model ranked apart, so
    ROC-AUC drops). The map keeps one knot per step instead, at the mean log-odds of the
    step's rows, and interpolates linearly between knots (Oron and Flournoy 2017): strictly
    increasing between the end knots, constant beyond them. PDs stay in [0, 1].
    """

    method = "isotonic"
    _parameter_constraints: ClassVar[dict] = {}

    def _fit(self, found, y) -> dict:
        order = np.argsort(found["logit"], kind="stable")
        x = found["logit"][order]
        steps = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(x, y[order])
        starts = np.r_[0, np.flatnonzero(np.diff(steps)) + 1]
        centres = np.add.reduceat(x, starts) / np.diff(np.r_[starts, len(x)])
        return {
            "form": "piecewise_linear",
            "feature": "logit",
            "x": centres.tolist(),
            "y": steps[starts].tolist(),
        }


def platt_targets(y: np.ndarray) -> np.ndarray:
    """Platt's (1999) soft targets: (N+ + 1) / (N+ + 2) for bankrupt rows, 1 / (N- + 2) else."""
    positives = int(y.sum())
    negatives = len(y) - positives
    return np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))


def _logistic(names: list[str], coef: np.ndarray, intercept: float) -> dict:
    return {
        "form": "logistic",
        "features": names,
        "coef": [float(c) for c in coef],
        "intercept": intercept,
    }


def cross_fit(calibrator: ScoreCalibrator, folds, score_kind: ScoreKind) -> list[np.ndarray]:
    """PDs of each fold's validation rows, from a map fitted without those rows' labels.

    The map of fold ``i`` is fitted on the validation rows of every fold whose validation rows
    do not overlap fold ``i``'s: the other folds of its CV round (repeated CV: never the same
    rows' predictions from another round). Those scores came from models that did train on
    fold ``i``'s rows, as in any cross-fitted estimate. A protocol with a single fold has no
    other rows: its map is fitted in-sample, with a warning.

    Parameters
    ----------
    calibrator : ScoreCalibrator
        Unfitted; cloned for every fold.
    folds : list of (rows, raw scores, labels)
        Validation row positions, their raw scores and 0/1 labels, per fold.
    score_kind : ScoreKind
        What the raw scores are.
    """
    rows = [np.asarray(f[0]) for f in folds]
    size = max(int(r.max()) for r in rows) + 1
    member = np.zeros((len(rows), size), dtype=bool)
    for i, r in enumerate(rows):
        member[i, r] = True
    overlap = (member.astype(np.int32) @ member.T.astype(np.int32)) > 0
    out = []
    for i, (_, scores, _) in enumerate(folds):
        others = np.flatnonzero(~overlap[i])
        if not len(others):
            log.warning("one fold only: its calibration map is fitted on its own rows")
            others = [i]
        s = np.concatenate([folds[j][1] for j in others])
        y = np.concatenate([folds[j][2] for j in others])
        out.append(clone(calibrator).fit(s, y, score_kind).predict(scores))
    return out
