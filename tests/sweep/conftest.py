"""Fixture setting HydraConfig as Hydra does for one job."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hydra.conf import HydraConf
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import OmegaConf


@pytest.fixture
def hydra_job(tmp_path):
    """Set HydraConfig as Hydra does for one job; returns a function(job name, overrides, mode)."""

    def set_job(name: str, overrides: list[str], mode: RunMode = RunMode.MULTIRUN) -> Path:
        hydra = OmegaConf.structured(HydraConf)
        hydra.mode = mode
        hydra.sweep.dir = str(tmp_path)
        hydra.runtime.output_dir = str(tmp_path / name)
        hydra.overrides.task = overrides
        (tmp_path / name / ".hydra").mkdir(parents=True, exist_ok=True)
        (tmp_path / name / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        HydraConfig.instance().set_config(OmegaConf.create({"hydra": hydra}))
        return tmp_path / name

    yield set_job
    HydraConfig.instance().cfg = None
