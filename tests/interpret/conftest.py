"""A gradient-boosting pipeline fitted once on the training rows of Polish year 1."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from bankruptcy.evaluation.experiment import ExperimentResult
from bankruptcy.evaluation.metrics import positive_scores
from bankruptcy.experiment.builder import build_experiment
from tests.conftest import compose_config


def fitted_result(data_dir, overrides) -> ExperimentResult:
    """Refit-only experiment result (no CV folds): what interpretation needs."""
    exp = build_experiment(
        compose_config([f"paths.data_dir={data_dir}", "logger=none", *overrides])
    )
    dataset, split = exp.dataset, exp.split
    with threadpool_limits(limits=1):  # one thread: far faster on a busy shared machine
        pipeline = exp.pipeline.fit(dataset.X.iloc[split.train], dataset.y.iloc[split.train])
    scores, kind = positive_scores(pipeline, dataset.X.iloc[split.test])
    return ExperimentResult(dataset, split, [], scores, kind, pipeline)


@pytest.fixture(scope="package")
def polish_gb(data_dir) -> ExperimentResult:
    """Polish year 1, gradient boosting on the trees preset (missing flags; fewer trees)."""
    return fitted_result(
        data_dir,
        ["dataset=polish", "dataset.year=1", "model=gradient_boosting", "model.max_iter=100"],
    )
