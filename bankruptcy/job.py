"""One job: build the experiment from config, run it, write the outputs, log the run."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from bankruptcy.evaluation.analysis import run_analyses
from bankruptcy.evaluation.experiment import ExperimentResult, run_experiment
from bankruptcy.pipeline.build import build_pipeline, model_input_features

log = logging.getLogger(__name__)


@dataclass
class JobInfo:
    """Where a job writes and how its tracking run is named."""

    output_dir: Path
    name: str = "job"
    group: str | None = None
    tags: list[str] = field(default_factory=list)


def run_job(cfg: DictConfig, info: JobInfo) -> dict[str, float]:
    """Run the experiment `cfg` describes; write outputs under ``info.output_dir``.

    Returns the flat metrics dict also written to ``metrics.json``.
    """
    # Components get `random_state` from config; the global seeds cover third-party code
    # that still draws from the legacy global generators.
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)  # noqa: NPY002
    dataset = instantiate(cfg.dataset, _convert_="all")
    log.info("%s", dataset.summary())
    split = instantiate(cfg.protocol).split(dataset)
    pipeline = build_pipeline(cfg)
    tracker = instantiate(cfg.logger)
    config = OmegaConf.to_container(cfg, resolve=True)
    with tracker.start(
        name=info.name, config=config, directory=info.output_dir, group=info.group, tags=info.tags
    ):
        result = run_experiment(dataset, pipeline, split, cfg.metrics.names)
        metrics = {**result.metrics, **run_analyses(result, cfg, info.output_dir, tracker)}
        features = model_input_features(result.pipeline, result.X_train)
        write_outputs(result, metrics, features, info.output_dir)
        log_to_tracker(tracker, result, metrics, features)
    return metrics


def write_outputs(result: ExperimentResult, metrics: dict, features: list[str], out: Path) -> None:
    """Write metrics.json, predictions.csv, features.json and the fitted model.joblib."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=True) + "\n")
    predictions = pd.DataFrame(
        {
            "row": result.X_test.index,
            "y_true": result.y_test,
            "score": result.test_scores,
            "p_bankrupt": result.test_scores if result.score_kind == "proba" else np.nan,
        }
    )
    predictions.to_csv(out / "predictions.csv", index=False)
    (out / "features.json").write_text(json.dumps(features, indent=1) + "\n")
    joblib.dump(result.pipeline, out / "model.joblib")


def log_to_tracker(tracker, result: ExperimentResult, metrics: dict, features: list[str]) -> None:
    """Per-fold metrics and training curves as series, final metrics as the run summary."""
    tracker.log_series(
        "fold", [{"index": f.index, **f.metrics} for f in result.folds], step_key="index"
    )
    for fold in result.folds:
        if fold.history:
            tracker.log_series(f"curve/fold{fold.index}", fold.history, step_key="epoch")
    tracker.log_table("model_features", pd.DataFrame({"feature": features}))
    tracker.log_summary({**metrics, "n_model_features": len(features)})


def objective(metrics: dict[str, float], key: str) -> float:
    """The value a sweeper optimises, or a clear error listing valid keys."""
    if key not in metrics:
        raise KeyError(
            f"objective={key!r} is not a metric of this job; choose from {sorted(metrics)}"
        )
    return float(metrics[key])
