"""A gradient-boosting pipeline fitted once on the training rows of Polish year 1."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from threadpoolctl import threadpool_limits

from bankruptcy.evaluation.experiment import ExperimentResult
from bankruptcy.evaluation.metrics import positive_scores
from bankruptcy.pipeline.build import build_pipeline
from tests.conftest import CONF_DIR


def fitted_result(data_dir, overrides) -> ExperimentResult:
    """Refit-only experiment result (no CV folds): what interpretation needs."""
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.data_dir={data_dir}", *overrides])
    dataset = instantiate(cfg.dataset, _convert_="all")
    split = instantiate(cfg.protocol).split(dataset)
    with threadpool_limits(limits=1):  # one thread: far faster on a busy shared machine
        pipeline = build_pipeline(cfg).fit(dataset.X.iloc[split.train], dataset.y.iloc[split.train])
    scores, kind = positive_scores(pipeline, dataset.X.iloc[split.test])
    oof = np.full(len(split.train), np.nan)
    return ExperimentResult(dataset, split, [], oof, scores, kind, pipeline)


@pytest.fixture(scope="package")
def polish_gb(data_dir) -> ExperimentResult:
    """Polish year 1, default preprocessing, HistGradientBoosting (fewer trees for speed)."""
    return fitted_result(data_dir, ["dataset=polish", "dataset.year=1", "model.max_iter=100"])
