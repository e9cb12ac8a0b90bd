"""Entrypoint: ``python -m bankruptcy.run [overrides]`` runs one experiment, ``-m`` a sweep."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from bankruptcy.job import JobInfo, objective, run_job
from bankruptcy.report_console import print_summary


def job_info() -> JobInfo:
    """Output dir, run name, sweep group and tags of the current Hydra job."""
    hc = HydraConfig.get()
    choices = hc.runtime.choices
    parts = [choices.get("dataset"), choices.get("model"), choices.get("sampler")]
    name = "-".join(str(p) for p in parts if p)
    sweep = hc.mode.name == "MULTIRUN"
    return JobInfo(
        output_dir=Path(hc.runtime.output_dir),
        name=f"{name}-{hc.job.num}" if sweep else name,
        group=Path(hc.sweep.dir).as_posix().replace("/", "_") if sweep else None,
        tags=[f"{group}:{choices[group]}" for group in ("dataset", "model", "sampler")],
    )


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Run the composed experiment and return its objective."""
    metrics = run_job(cfg, job_info())
    print_summary(metrics, title=job_info().name)
    return objective(metrics, cfg.objective)


if __name__ == "__main__":
    main()
