"""Dry fits on a few synthetic rows: option checks for libraries that check only in ``fit``.

LightGBM, XGBoost and CatBoost declare no ``_parameter_constraints``; they refuse a value
(``num_leaves=1``, ``max_depth=-1``) only once training starts, i.e. after the data was read
and, in a job, inside a fold worker. Fitting such an estimator on `ROWS` x `COLUMNS`
synthetic rows applies the library's own rules without copying them. The dry fit is not a
training run: boosting rounds are capped at `MAX_ROUNDS`, threads and bags at one, and options that
hold one value per feature or class (lists, dicts) are left out, since the synthetic rows do
not have the data's width; the first real fit checks those. Measured with
``scripts/bench_option_checks.py``; the outcome is kept per process, so a sweep repeating a
configuration pays once.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from bankruptcy.evaluation.experiment import THREAD_PARAMS

ROWS, COLUMNS = 60, 32  # wider than the selectors' default 20 columns
#: Options that set how many rounds (trees, iterations, epochs) a fit runs, capped in a dry fit.
ROUND_PARAMS = (
    "n_estimators", "iterations", "num_boost_round", "num_trees", "max_iter", "max_rounds",
)  # fmt: skip
MAX_ROUNDS = 2
#: Options that only multiply a fit's work (an EBM's bagged models and interaction terms, whose
#: search over all pairs was most of its dry fit), capped at one.
ONE_PARAMS = ("outer_bags", "interactions")
# C++ source locations in a library's message ("...json_helper.h:41: ", " at config.cpp, line 9 .")
_SOURCE_LOCATION = re.compile(r"^\S+\.\w+:\d+: |\s+at \S+, line \d+\s*\.?$")

_outcomes: dict[tuple, str | None] = {}


def needs_dry_fit(component) -> bool:
    """Whether `component` is an estimator (``fit``, ``get_params``) declaring no constraints."""
    return (
        hasattr(component, "fit")
        and hasattr(component, "get_params")
        and not hasattr(component, "_parameter_constraints")
    )


def dry_fit_error(component, given: Mapping) -> tuple[str | None, str] | None:
    """Why fitting `component` fails on the synthetic rows, or None when it fits.

    Parameters
    ----------
    component : estimator
        Unfitted; it is not changed (a new one with the dry-fit options is fitted).
    given : mapping
        Its options as configured: the one whose configured value makes the fit fail is named.

    Returns
    -------
    (option or None, message) or None
        The option to blame (None when no single option is), and the library's message.
    """
    options = trial_options(component)
    message = _outcome(type(component), options)
    if message is None:
        return None
    for key in given:
        if key in options and _outcome(type(component), _reset(component, options, key)) is None:
            return key, message
    named = [key for key in given if re.search(rf"\b{re.escape(key)}\b", message)]
    return (named[0] if named else None), message


def _reset(component, options: dict, key: str) -> dict:
    """`options` with `key` back at its default (left out where the constructor takes
    ``**kwargs`` instead of naming it, as XGBoost's does)."""
    parameter = inspect.signature(type(component)).parameters.get(key)
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return {k: v for k, v in options.items() if k != key}
    return _capped({**options, key: parameter.default})


def trial_options(component) -> dict:
    """The options a dry fit of `component` uses (see the module docstring)."""
    return _capped(
        {
            key: value
            for key, value in component.get_params(deep=False).items()
            if not isinstance(value, list | tuple | dict)
        }
    )


def _capped(options: dict) -> dict:
    """`options` with rounds, threads and bags capped (a default put back is capped too)."""
    options = dict(options)
    for key, value in options.items():
        if _is_int(value) and key in ROUND_PARAMS and value > MAX_ROUNDS:
            options[key] = MAX_ROUNDS
        elif _is_int(value) and (key in THREAD_PARAMS or (key in ONE_PARAMS and value > 1)):
            options[key] = 1
    return options


def _outcome(kind: type, options: dict) -> str | None:
    """The error message of a dry fit of ``kind(**options)`` (None: it fits), kept per process."""
    key = (kind, tuple(sorted((k, repr(v)) for k, v in options.items())))
    if key not in _outcomes:
        X, y = probe_rows()
        try:
            with silenced():
                kind(**options).fit(X, y)
            _outcomes[key] = None
        except Exception as error:  # any library's refusal is what is being looked for
            _outcomes[key] = f"{type(error).__name__}: {first_line(error)}"
    return _outcomes[key]


@lru_cache(maxsize=1)
def probe_rows() -> tuple[np.ndarray, np.ndarray]:
    """`ROWS` x `COLUMNS` standard-normal features and 0/1 labels (a quarter bankrupt)."""
    rng = np.random.default_rng(0)
    y = (np.arange(ROWS) % 4 == 0).astype(np.int64)
    X = rng.normal(size=(ROWS, COLUMNS)) + y[:, None]
    return X, y


def first_line(error: BaseException) -> str:
    """The first line of `error`'s message without C++ source locations."""
    lines = str(error).strip().splitlines() or [""]
    return _SOURCE_LOCATION.sub("", lines[0]).strip()


@contextmanager
def silenced() -> Iterator[None]:
    """Swallow what a library prints (LightGBM's "[Fatal]" line, at C level) and warns."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)


def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)
