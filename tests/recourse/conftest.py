"""The synthetic job's package with its recourse basis (data-free), for the mechanics tests; the
package and basis of a module's real ``job`` (test_real, test_ebm)."""

from __future__ import annotations

import pandas as pd
import pytest

from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.recourse.engine import Basis
from bankruptcy.serving.package import ModelPackage


@pytest.fixture(scope="session")
def synthetic_package(synthetic_job) -> ModelPackage:
    """The synthetic job's package (logistic regression on made-up Polish-shaped rows)."""
    return ModelPackage.load(synthetic_job / PACKAGE_DIR)


@pytest.fixture(scope="session")
def synthetic_basis(synthetic_package) -> Basis:
    """Its recourse basis (trends on the reference sample, plausibility), derived once."""
    return Basis.of(synthetic_package)


@pytest.fixture(scope="session")
def synthetic_firms(synthetic_job, synthetic_package) -> pd.DataFrame:
    """The made-up firms of the job's CSV, contract order (gaps and infinities as written)."""
    rows = pd.read_csv(synthetic_job.parent / "firms.csv")
    return synthetic_package.contract.check(rows).X


@pytest.fixture(scope="module")
def package(job) -> ModelPackage:
    """The package of the module's ``job`` fixture (a real job directory)."""
    return ModelPackage.load(job / PACKAGE_DIR)


@pytest.fixture(scope="module")
def basis(package) -> Basis:
    """Its recourse basis, derived once for the module's in-process tests."""
    return Basis.of(package)
