"""Shared fixtures: the real data directory and config composition."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real datasets, from $BANKRUPTCY_DATA_DIR (tests never download)."""
    value = os.environ.get("BANKRUPTCY_DATA_DIR")
    if not value or not (Path(value) / "polish" / "1year.arff").is_file():
        pytest.exit(
            "set BANKRUPTCY_DATA_DIR to the folder holding polish/1year.arff "
            "(e.g. BANKRUPTCY_DATA_DIR=../shared/data pytest)",
            returncode=4,
        )
    # absolute: CLI tests start jobs from their own temporary folders
    return Path(value).resolve()


@pytest.fixture
def compose(data_dir, tmp_path):
    """Compose ``conf/config.yaml`` with overrides, outputs under the test's tmp dir."""

    def _compose(overrides=(), config_name="config"):
        with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
            return hydra_compose(
                config_name,
                overrides=[
                    f"paths.data_dir={data_dir}",
                    f"paths.output_dir={tmp_path}/outputs",
                    *overrides,
                ],
            )

    return _compose
