"""scikit-learn's parameter validation for the job's components that are not estimators.

A protocol, a threshold rule or the bootstrap declares ``_parameter_constraints`` in
scikit-learn's vocabulary (``Interval``, ``StrOptions``, types, ``None``), as estimators do;
`CheckedParams` gives it the same ``_validate_params``, so the builder checks every component
one way, before any data is read (`bankruptcy.experiment.options.validate_parameters`).
"""

from __future__ import annotations

import inspect
from typing import ClassVar

from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints


class CheckedParams:
    """Mixin: ``_validate_params`` from ``_parameter_constraints`` over the constructor's options.

    Raises `sklearn.utils._param_validation.InvalidParameterError` ("The 'n_splits' parameter
    of HoldoutCV must be ...") like an estimator's. A subclass with rules between options
    extends ``_validate_params`` and raises the same error.
    """

    _parameter_constraints: ClassVar[dict] = {}

    def _validate_params(self) -> None:
        names = inspect.signature(type(self)).parameters
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in names},
            caller_name=type(self).__name__,
        )


def invalid(component, name: str, must: str, got: str | None = None) -> InvalidParameterError:
    """The error scikit-learn raises for a bad option, for a rule its constraints cannot state.

    ``invalid(self, "weights", "one weight per base model")`` reads "The 'weights' parameter
    of VotingEnsemble must be one weight per base model. Got [2, 1] instead.", so it is
    reported like any other refused value. `got` replaces the value's repr in the message.
    """
    shown = repr(getattr(component, name)) if got is None else got
    return InvalidParameterError(
        f"The {name!r} parameter of {type(component).__name__} must be {must}. Got {shown} instead."
    )
