"""The job directory: which files a job writes, what it logs, and the status of sweep jobs.

The one place that knows file names. Sweeps (`bankruptcy.sweep`), the report
(`bankruptcy.cli.report`) and deployment read the constants below; analyses hand their results
back as `bankruptcy.core.artifacts.Artifacts` and `JobOutputs` writes and logs them.

Layout of one job's output dir (the output contract, README "What one job does"):

- ``metrics.json``: flat ``cv/<m>``, ``cv/<m>_std``, ``test/<m>``, analysis keys, timings;
- ``predictions.csv``: test rows ``row, y_true, score`` (the model's own), ``p_bankrupt``
  (the calibrated PD);
- ``folds.json``: the CV folds' metrics, fold by fold, with an id of their row sets (what the
  leaderboard's paired tests compare);
- ``features.json``: the columns that reach the model;
- ``package/``: the model package (`bankruptcy.serving.package`): the refitted pipeline in a
  safe format, its input contract, threshold, model card and reference statistics;
- ``plots/<name>.png`` and ``interpret/<name>.csv``: the analyses' figures and tables (a
  scorecard's points table ``interpret/scorecard.csv``, `bankruptcy.interpret.scorecard`);
- ``job.json`` and ``error.txt``: a sweep job's record (`bankruptcy.sweep.guard`);
- ``.hydra/``: Hydra's composed config and overrides.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.core.artifacts import Artifacts
from bankruptcy.core.figures import save_png
from bankruptcy.core.jsonable import json_ready
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.evaluation.protocol import folds_id
from bankruptcy.horizons.structure import pd_columns
from bankruptcy.tracking import keys

METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions.csv"
FOLDS_FILE = "folds.json"
FEATURES_FILE = "features.json"
PACKAGE_DIR = "package"
RECORD_FILE = "job.json"
ERROR_FILE = "error.txt"
PLOTS_DIR = "plots"
TABLES_DIR = "interpret"
HYDRA_OVERRIDES_FILE = Path(".hydra") / "overrides.yaml"


class JobStatus(StrEnum):
    """How a sweep job ended (``status`` of ``job.json`` and of the leaderboard)."""

    OK = "ok"
    FAILED = "failed"
    RUNNING = "running"
    INCOMPLETE = "incomplete"  # killed, or a record without its metrics
    SKIPPED = "skipped"  # completed by an earlier run of the same sweep


class JobOutputs:
    """Writes a job's files under its directory and logs the same things to its tracker.

    Parameters
    ----------
    directory : Path
        The job's output dir.
    tracker : tracker
        The job's started tracking run (``bankruptcy.tracking``).
    """

    def __init__(self, directory: str | Path, tracker):
        self.directory = Path(directory)
        self.tracker = tracker

    def artifacts(self, found: Artifacts) -> None:
        """Write and log the figures and tables of an analysis; log its charts."""
        for name, fig in found.figures.items():
            path = save_png(fig, self.directory / PLOTS_DIR / f"{name}.png")
            self.tracker.log_image(f"{PLOTS_DIR}/{name}", path)
        for name, frame in found.tables.items():
            path = self.directory / TABLES_DIR / f"{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_csv(path, index=False)
            self.tracker.log_table(f"{TABLES_DIR}/{name}", frame)
        for name, chart in found.charts.items():
            self.tracker.log_chart(f"{keys.CHARTS}{name}", chart)

    def result(self, result, metrics: dict[str, float], features: list[str]) -> None:
        """Write the output contract's files of an `ExperimentResult` and log its run."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
        predictions(result).to_csv(self.directory / PREDICTIONS_FILE, index=False)
        (self.directory / FOLDS_FILE).write_text(json.dumps(json_ready(fold_record(result))) + "\n")
        (self.directory / FEATURES_FILE).write_text(json.dumps(features, indent=1) + "\n")
        self._log_result(result, metrics, features)

    def package(self, package, reference_features, reference_scores, reference_labels) -> Path:
        """Write the model package into ``package/`` and log it as the run's model artifact."""
        path = package.save(
            self.directory / PACKAGE_DIR, reference_features, reference_scores, reference_labels
        )
        self.tracker.log_model(path, name=f"{package.manifest['data']['name']}-model")
        return path

    def _log_result(self, result, metrics: dict[str, float], features: list[str]) -> None:
        """Per-fold metrics and training curves as series, final metrics as the run summary."""
        folds = [{"index": f.index, **f.metrics} for f in result.folds]
        self.tracker.log_series("fold", folds, step_key="index")
        for fold in result.folds:
            if fold.history:
                self.tracker.log_series(f"curve/fold{fold.index}", fold.history, step_key="epoch")
        self.tracker.log_table("model_features", pd.DataFrame({"feature": features}))
        self.tracker.log_summary({**metrics, "n_model_features": len(features)})


def predictions(result) -> pd.DataFrame:
    """Test rows of an `ExperimentResult`: ``row`` (data file index), label, the model's own
    score and the PD (empty when the job has no probabilities: a decision score uncalibrated)."""
    probability = result.score_kind is ScoreKind.PROBA
    frame = pd.DataFrame(
        {
            "row": result.X_test.index,
            "y_true": result.y_test,
            "score": result.raw_test_scores,
            "p_bankrupt": result.test_scores if probability else np.nan,
        }
    )
    horizon = result.dataset.horizon
    if result.horizon_pds is not None:
        frame[pd_columns(horizon.years)] = result.horizon_pds
    return frame


def fold_record(result) -> dict:
    """``folds.json``: the id of the CV folds' row sets, their sizes and each metric per fold."""
    folds = result.folds
    return {
        "folds_id": folds_id(result.split, result.dataset),
        "fit_rows": [len(f.fit_rows) for f in folds],
        "validation_rows": [len(f.val_rows) for f in folds],
        "metrics": {name: [f.metrics[name] for f in folds] for name in result.folds[0].metrics}
        if folds
        else {},
    }


def read_folds(directory: str | Path) -> dict | None:
    """A job's ``folds.json``, or None when it has none (jobs written before it existed)."""
    try:
        return json.loads((Path(directory) / FOLDS_FILE).read_text())
    except (OSError, ValueError):
        return None


def read_metrics(directory: str | Path) -> dict:
    """A job's ``metrics.json``, or an empty dict when it has none (or it is unreadable)."""
    try:
        return json.loads((Path(directory) / METRICS_FILE).read_text())
    except (OSError, ValueError):
        return {}
