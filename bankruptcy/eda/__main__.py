"""``python -m bankruptcy.eda dataset=<name>``: the exploratory-analysis report of one dataset."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from bankruptcy.eda.run import load_dataset, run_eda


@hydra.main(version_base="1.3", config_path="../../conf", config_name="eda")
def main(cfg: DictConfig) -> None:
    """Write the report into the Hydra output dir and log it as one ``eda`` run."""
    dataset = load_dataset(cfg.dataset)
    output_dir = Path(HydraConfig.get().runtime.output_dir)
    tracker = hydra.utils.instantiate(cfg.logger)
    config = OmegaConf.to_container(cfg, resolve=True)
    tags = ["eda", dataset.name]
    with tracker.start(
        name=f"eda-{dataset.name}", config=config, directory=output_dir, tags=tags, job_type="eda"
    ):
        print(run_eda(dataset, output_dir, tracker, **cfg.eda))


if __name__ == "__main__":
    main()
