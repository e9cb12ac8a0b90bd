"""Check a component's options against its constructor and scikit-learn's own constraints.

Run on every step of a pipeline before any data is read, so ``model.C=-1`` or
``+model.Cc=1`` stops at once with one line naming the option, instead of a traceback from
the first fold's ``fit``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping

from hydra.utils import get_object
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError

from bankruptcy.core.errors import UserError

# "The 'C' parameter of LogisticRegression must be ..." names the parameter that failed
_FAILED_PARAMETER = re.compile(r"The '(\w+)' parameter")


def override(path: str, key: str, value: object) -> str:
    """How the option is written on the command line: ``model.C=-1``, ``model.kind=null``."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, list | tuple):
        text = "[" + ",".join(str(v) for v in value) + "]"
    else:
        text = str(value)
    return f"{path}.{key}={text}"


def options_of(node: Mapping) -> dict:
    """A ``_target_`` config's options: its keys without Hydra's ``_target_``, ``_convert_``..."""
    return {k: v for k, v in node.items() if not (k.startswith("_") and k.endswith("_"))}


def check_option_names(path: str, node: Mapping) -> None:
    """Refuse options that the config's ``_target_`` (a class or function) does not take.

    Nested ``_target_`` configs (e.g. the sampler a wrapper holds) are checked too.

    Parameters
    ----------
    path : str
        Where `node` sits in the config, e.g. ``"model"``.
    node : mapping
        The resolved ``_target_`` config.

    Raises
    ------
    UserError
        Naming the first unknown option and listing the valid ones.
    """
    target = get_object(node["_target_"])
    given = options_of(node)
    for key, value in given.items():
        if isinstance(value, Mapping) and "_target_" in value:
            check_option_names(f"{path}.{key}", value)
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):  # a builtin without a signature: nothing to check
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    unknown = [key for key in given if key not in parameters]
    if unknown:
        key = unknown[0]
        name = getattr(target, "__name__", str(target))
        raise UserError(
            f"{override(path, key, given[key])}: {name} has no parameter {key!r}; "
            f"its parameters: {', '.join(parameters)}"
        )


def validate_parameters(path: str, estimator, given: Mapping) -> None:
    """scikit-learn's parameter validation of `estimator` and of the estimators its options hold.

    Parameters
    ----------
    path : str
        Where `estimator`'s options sit in the config, e.g. ``"sampler"``.
    estimator : object
        The instantiated component; anything but a scikit-learn estimator passes.
    given : mapping
        Its options as configured (nested estimators' options are nested mappings).

    Raises
    ------
    UserError
        ``"<path>.<param>=<value>: <scikit-learn's message>"``.
    """
    if not isinstance(estimator, BaseEstimator):
        return
    if hasattr(estimator, "_parameter_constraints"):
        try:
            estimator._validate_params()
        except InvalidParameterError as error:
            found = _FAILED_PARAMETER.search(str(error))
            if found is None:
                raise UserError(f"{path}: {error}") from None
            key = found.group(1)
            value = given.get(key, estimator.get_params(deep=False).get(key))
            raise UserError(f"{override(path, key, value)}: {error}") from None
    for key, value in estimator.get_params(deep=False).items():
        if isinstance(given.get(key), Mapping):
            validate_parameters(f"{path}.{key}", value, given[key])
