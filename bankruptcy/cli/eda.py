"""``python -m bankruptcy.eda dataset=<name>``: the exploratory-analysis report of one dataset."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from bankruptcy.cli.common import CONF_DIR
from bankruptcy.core.errors import UserError
from bankruptcy.eda.run import run_eda
from bankruptcy.experiment.builder import build_dataset, build_tracker


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="eda")
def main(cfg: DictConfig) -> None:
    """Write the report into the Hydra output dir and log it as one ``eda`` run.

    A problem with the data (a missing file, a wrong label column) exits with its one line.
    """
    try:
        dataset = build_dataset(cfg.dataset)
    except UserError as error:
        raise SystemExit(f"error: {error}") from None
    output_dir = Path(HydraConfig.get().runtime.output_dir)
    tracker = build_tracker(cfg.logger)
    config = OmegaConf.to_container(cfg, resolve=True)
    tags = ["eda", dataset.name]
    with tracker.start(
        name=f"eda-{dataset.name}", config=config, directory=output_dir, tags=tags, job_type="eda"
    ):
        print(run_eda(dataset, output_dir, tracker, **cfg.eda))
