"""Shared fixtures: the real data directory and config composition.

Tests that need the real files take the `data_dir` fixture (directly or through `compose`):
without ``$BANKRUPTCY_DATA_DIR`` they are skipped with a reason naming it, and the others
still run. CI sets ``BANKRUPTCY_REQUIRE_DATA=1`` so a missing data folder fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir

from tests.helpers import CONF_DIR

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
