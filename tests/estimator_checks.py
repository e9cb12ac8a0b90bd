"""scikit-learn's estimator checks over the project's public classes: what the check modules of
tests/models and tests/preprocess share.

A check that cannot apply to an estimator by design is listed with the reason and a pattern of
the failure it must produce: the check runs as an expected failure (strict: passing is an
error) and `fails_for_its_reason` runs it again to see it fail for that reason only.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import partial
from typing import NamedTuple

import pytest
from imblearn.utils import estimator_checks as imblearn_checks
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import estimator_checks_generator


class Expected(NamedTuple):
    """A check expected to fail: why, and a regex its failure's message matches."""

    reason: str
    cause: str


#: Altman's concepts as expressions over the first two columns of scikit-learn's check data
#: (named x0, x1 as scikit-learn names an array's columns), as the American dataset's concepts
#: combine its columns.
CONCEPTS = {
    "working_capital_to_assets": "x0",
    "retained_earnings_to_assets": "x1",
    "ebit_to_assets": "(x0 + x1) / 2",
    "book_equity_to_liabilities": "x0 / (1 + abs(x1))",
}
#: The concepts read columns x0 and x1 by name; one column has no x1. The error names the
#: concept and the columns received instead of scikit-learn's "1 feature(s)".
ONE_COLUMN = {
    "check_fit2d_1feature": Expected(
        "concepts read columns a one-column input lacks",
        r"concept '\w+' = '[^']*x1[^']*' cannot be evaluated on the columns .*columns: x0\)",
    )
}


def public_estimator_classes(package) -> set[type]:
    """The public concrete classes deriving from `BaseEstimator` defined in the modules of
    `package`."""
    found = set()
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, BaseEstimator)
                and not name.startswith("_")
                and not inspect.isabstract(cls)  # a base the checked classes derive from
            ):
                found.add(cls)
    return found


def reasons(expected: dict[type, dict[str, Expected]]):
    """The ``expected_failed_checks`` callable of ``parametrize_with_checks`` for `expected`."""
    return lambda estimator: {
        check: e.reason for check, e in expected.get(type(estimator), {}).items()
    }


def expected_cases(estimators, expected: dict[type, dict[str, Expected]], generator=None) -> list:
    """``(estimator, check name, Expected, generator)`` for every expected failure of
    `estimators`; `generator` yields the checks (None: scikit-learn's)."""
    return [
        pytest.param(estimator, check, e, generator, id=f"{type(estimator).__name__}-{check}")
        for estimator in estimators
        for check, e in expected.get(type(estimator), {}).items()
    ]


def parametrize_with_sampler_checks(samplers, expected: dict[type, dict[str, Expected]]):
    """imbalanced-learn's sampler checks as ``(estimator, check)`` parameters, the expected
    failures marked strict xfail (its own ``parametrize_with_checks`` hands pytest a
    generator, which pytest deprecates, and has no strict mode)."""
    cases = []
    for sampler in samplers:
        reasons_of = reasons(expected)(sampler)
        for estimator, check in imblearn_checks.estimator_checks_generator(sampler):
            reason = reasons_of.get(_name(check))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(
                pytest.param(estimator, check, marks=marks, id=f"{sampler!r}-{_name(check)}")
            )
    return pytest.mark.parametrize(("estimator", "check"), cases)


def fails_for_its_reason(estimator, check_name: str, expected: Expected, generator=None) -> None:
    """Run the check `check_name` on `estimator`: it must fail with a message matching
    ``expected.cause`` (not for another reason, and not pass)."""
    generator = generator or estimator_checks_generator
    checks = [check for _, check in generator(estimator, mark=None) if _name(check) == check_name]
    assert checks, f"no check {check_name} for {estimator!r}"
    for check in checks:
        with pytest.raises(Exception, match=expected.cause):
            check(estimator)


def _name(check) -> str:
    """A check's function name (checks come wrapped in partials, some twice)."""
    while isinstance(check, partial):
        check = check.func
    return check.__name__
