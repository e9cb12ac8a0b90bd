"""``python -m bankruptcy.run [overrides]`` (``bankruptcy-run``): one experiment, ``-m`` a sweep."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import ConfigCompositionException, OverrideParseException
from omegaconf import DictConfig

from bankruptcy.cli.common import CONF_DIR
from bankruptcy.cli.hydra_errors import composition_error, missing_plugin
from bankruptcy.core.threads import launcher_workers
from bankruptcy.experiment.job import JobInfo, objective, run_job
from bankruptcy.experiment.summary import print_summary
from bankruptcy.sweep.cache import preprocess_cache
from bankruptcy.sweep.callback import sweep_group
from bankruptcy.sweep.guard import guarded, user_error


def job_info(cfg: DictConfig) -> JobInfo:
    """Output dir, run name, sweep group, tags and config choices of the current Hydra job.

    In a sweep with ``preprocess_cache: true`` also the sweep's cache of fitted preprocessing.
    """
    hc = HydraConfig.get()
    choices = hc.runtime.choices
    parts = [choices.get("dataset"), choices.get("model"), choices.get("sampler")]
    name = "-".join(str(p) for p in parts if p)
    sweep = hc.mode.name == "MULTIRUN"
    return JobInfo(
        output_dir=Path(hc.runtime.output_dir),
        name=f"{name}-{hc.job.num}" if sweep else name,
        group=sweep_group(hc.sweep.dir) if sweep else None,
        tags=[f"{group}:{choices[group]}" for group in ("dataset", "model", "sampler")],
        workers=launcher_workers(hc.launcher) if sweep else 1,
        choices=dict(choices),
        overrides=list(hc.overrides.task),
        preprocess_cache=preprocess_cache(hc.sweep.dir) if sweep and cfg.preprocess_cache else None,
    )


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def main(cfg: DictConfig) -> float:
    """Run the composed experiment and return its objective.

    In a sweep the job is fail-soft and resumable; alone, a `UserError` exits with one clear
    line (both in `bankruptcy.sweep.guard.guarded`).
    """
    return guarded(cfg, run_and_score)


def run_and_score(cfg: DictConfig) -> float:
    """Run the experiment, print its metrics and return the configured objective."""
    info = job_info(cfg)
    metrics = run_job(cfg, info)
    value = objective(metrics, cfg.objective)
    print_summary(metrics, title=info.name)
    return value


def console() -> None:
    """The command: `main` on ``sys.argv``, with command-line mistakes reported in one line."""
    argv = sys.argv[1:]
    missing = missing_plugin(argv)
    if missing:
        raise SystemExit(f"error: {missing}")
    # Let composition errors reach us instead of Hydra printing them (a user's own setting
    # of HYDRA_FULL_ERROR is kept).
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        main()
    except (ConfigCompositionException, OverrideParseException) as error:
        raise SystemExit(f"error: {composition_error(error, argv)}") from None
    except Exception as error:
        # a launcher's or sweeper's options (raised through Hydra's instantiation)
        mistake = user_error(error)
        if mistake is None:
            raise
        raise SystemExit(f"error: {mistake}") from None
