"""Shared fixtures: the real data directory, config composition and real-data samples.

Tests that need the real files take the `data_dir` fixture (directly or through `compose`):
without ``$BANKRUPTCY_DATA_DIR`` they are skipped with a reason naming it, and the others
still run. CI sets ``BANKRUPTCY_REQUIRE_DATA=1`` so a missing data folder fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir

from tests.helpers import CONF_DIR, NO_ANALYSES, ratio_frame

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")

NEEDS_DATA = (
    "needs the real data: set BANKRUPTCY_DATA_DIR to the folder holding polish/1year.arff "
    "(e.g. BANKRUPTCY_DATA_DIR=../shared/data python -m pytest)"
)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real datasets, from $BANKRUPTCY_DATA_DIR (tests never download)."""
    value = os.environ.get("BANKRUPTCY_DATA_DIR")
    if not value or not (Path(value) / "polish" / "1year.arff").is_file():
        if os.environ.get("BANKRUPTCY_REQUIRE_DATA"):
            pytest.fail(NEEDS_DATA)
        pytest.skip(NEEDS_DATA)
    # absolute: CLI tests start jobs from their own temporary folders
    return Path(value).resolve()


def compose_config(overrides=(), config_name="config", return_hydra_config=False):
    """Compose ``conf/<config_name>.yaml`` with `overrides` (no data involved)."""
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        return hydra_compose(
            config_name, overrides=list(overrides), return_hydra_config=return_hydra_config
        )


@pytest.fixture
def make_config(tmp_path):
    """Compose a config for tests that build parts but read no data; outputs under tmp."""

    def _compose(overrides=(), config_name="config"):
        return compose_config([f"paths.output_dir={tmp_path}/outputs", *overrides], config_name)

    return _compose


@pytest.fixture
def compose(data_dir, make_config):
    """Compose a config on the real data (skipped without it); outputs under tmp."""

    def _compose(overrides=(), config_name="config"):
        return make_config([f"paths.data_dir={data_dir}", *overrides], config_name)

    return _compose


def concepts_of(dataset: str) -> dict:
    """The `concepts:` mapping declared in ``conf/dataset/<dataset>.yaml``."""
    cfg = compose_config([f"dataset={dataset}"])
    return dict(cfg.dataset.get("concepts") or {})


def stratified_rows(y, n: int, seed: int = 0) -> np.ndarray:
    """`n` row positions keeping the bankrupt share of `y` (at least 10 bankrupt rows)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_pos = max(10, round(n * len(pos) / len(y)))
    return np.sort(np.r_[rng.choice(pos, n_pos, replace=False), rng.choice(neg, n - n_pos, False)])


@pytest.fixture(scope="session")
def polish1(data_dir):
    """Polish year 1 (the real UCI file) with its concepts."""
    from bankruptcy.data.polish import load_polish

    return load_polish(year=1, data_dir=data_dir, concepts=concepts_of("polish"))


@pytest.fixture(scope="session")
def polish_sample(polish1):
    """500 stratified rows of Polish year 1: (X, y)."""
    rows = stratified_rows(polish1.y, 500)
    return polish1.X.iloc[rows], polish1.y.iloc[rows]


@pytest.fixture(scope="session")
def american(data_dir):
    """The derived American file (77,332 firm-years) with its concepts."""
    from bankruptcy.data.american import load_american

    return load_american(
        "american_bankruptcy_partial.csv", data_dir=data_dir, concepts=concepts_of("american")
    )


@pytest.fixture(scope="session")
def ratios():
    """600 made-up Polish-shaped rows (`tests.helpers.ratio_frame`): (X, y), no data folder."""
    return ratio_frame()


@pytest.fixture(scope="session")
def synthetic_job(tmp_path_factory) -> Path:
    """A finished job (model package included) on a CSV of made-up Polish-shaped rows.

    Data-free: the fast tests of the package, the service and the page use it; the same tests
    on the real data run a real job (``tests/serving/conftest.py``).
    """
    from bankruptcy.experiment.job import JobInfo, run_job

    root = tmp_path_factory.mktemp("synthetic")
    X, y = ratio_frame()
    X.assign(company=[f"firm-{i}" for i in range(len(y))], **{"class": y}).to_csv(
        root / "firms.csv", index=False
    )
    cfg = compose_config(
        [
            f"paths.output_dir={root}",
            "dataset=csv",
            f"dataset.path={root / 'firms.csv'}",
            "dataset.target=class",
            "dataset.drop=[company]",
            "model=logistic",
            "protocol.n_splits=3",
            "logger=none",
            "threads=1",
            *NO_ANALYSES,
        ]
    )
    out = root / "job"
    run_job(cfg, JobInfo(out, name="synthetic"))
    return out
