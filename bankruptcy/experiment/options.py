"""Check a component's options against its constructor and its library's own rules.

Run on every component of a job before any data is read, so ``model.C=-1``,
``model.num_leaves=1`` or ``+model.Cc=1`` stops at once with one line naming the option,
instead of a traceback from the first fold's ``fit``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping

from hydra.utils import get_object
from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.dryfit import dry_fit_error, needs_dry_fit

# "The 'C' parameter of LogisticRegression must be ..." names the parameter that failed
_FAILED_PARAMETER = re.compile(r"The '(\w+)' parameter")


def override(path: str, key: str, value: object) -> str:
    """How the option is written on the command line: ``model.C=-1``, ``model.kind=null``;
    a top-level key (`path` empty) as ``seed=abc``."""
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, list | tuple):
        text = "[" + ",".join(str(v) for v in value) + "]"
    else:
        text = str(value)
    return f"{path}.{key}={text}" if path else f"{key}={text}"


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


def validate_call(path: str, node: Mapping) -> None:
    """scikit-learn's ``@validate_params`` checks of a function `_target_`, before it is called.

    A loader decorated with them (``load_polish(year=9)``) is refused before it reads a file.
    """
    target = get_object(node["_target_"])
    constraints = getattr(target, "_skl_parameter_constraints", None)
    if constraints:
        given = options_of(node)
        name = getattr(target, "__qualname__", str(target))
        refused(
            path, target, given, lambda: validate_parameter_constraints(constraints, given, name)
        )


def validate_parameters(
    path: str, component, given: Mapping, names: Mapping[str, str] | None = None
) -> None:
    """Check `component`'s options by its library's own rules, and those of what it holds.

    A component that declares ``_parameter_constraints`` (scikit-learn and imbalanced-learn
    estimators, this project's estimators and other components) runs its
    ``_validate_params``; an estimator without them (LightGBM, XGBoost, CatBoost) gets a dry
    fit on synthetic rows (`bankruptcy.experiment.dryfit`), as does the library estimator a
    component offers by ``library_estimator()``. Estimators nested in its options
    (a sampler's sampler, a selector's estimator) are checked the same way.

    Parameters
    ----------
    path : str
        Where `component`'s options sit in the config, e.g. ``"sampler"``.
    component : object
        The instantiated component; anything without options to check passes.
    given : mapping
        Its options as configured (nested estimators' options are nested mappings).
    names : mapping, optional
        Constructor parameter -> the config key it was built from, where they differ (an
        ensemble's ``estimators`` come from ``model.base``).

    Raises
    ------
    UserError
        ``"<path>.<option>=<value>: <the library's message>"``.
    """
    names = names or {}
    if hasattr(component, "_parameter_constraints"):
        refused(path, component, given, component._validate_params, names)
    # a model of ours around a library that checks its options only in fit (the EBM) offers
    # the library's estimator those options configure
    library = getattr(component, "library_estimator", None)
    checked = library() if library is not None else component
    if needs_dry_fit(checked):
        failed = dry_fit_error(checked, options_of(given))
        if failed is not None:
            key, message = failed
            raise UserError(f"{_named(path, key, component, given, names)}: {message}")
    for key, value in _parameters(component).items():
        if isinstance(given.get(key), Mapping):
            validate_parameters(f"{path}.{key}", value, given[key])


def refused(
    path: str, component, given: Mapping, check: Callable[[], None], names: Mapping | None = None
) -> None:
    """Run `check`; turn the ``InvalidParameterError`` it raises into a `UserError` naming
    the option as written (``threshold.value=2: The 'value' parameter of ...``)."""
    try:
        check()
    except InvalidParameterError as error:
        found = _FAILED_PARAMETER.search(str(error))
        key = found.group(1) if found else None
        raise UserError(f"{_named(path, key, component, given, names or {})}: {error}") from None


def _named(path: str, key: str | None, component, given: Mapping, names: Mapping) -> str:
    """``model.C=-1`` for option `key` of the component at `path`; just `path` without a key."""
    if key is None:
        return path
    written = names.get(key, key)
    value = given[written] if written in given else getattr(component, key, None)
    return override(path, written, value)


def _parameters(component) -> dict:
    """A component's constructor options (``get_params`` for estimators)."""
    if hasattr(component, "get_params"):
        return component.get_params(deep=False)
    return {}
