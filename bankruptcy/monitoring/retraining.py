"""Retraining behind a statistical promotion gate.

A challenger is trained with the champion's own config (from its package) on the champion's
training rows plus new labelled rows (or a sliding window of the most recent rows), then the
two models are compared on the most recent labelled rows, which neither trained on
(`bankruptcy.monitoring.promotion_gate`: a one-sided paired DeLong test on ROC-AUC with a
margin, PR-AUC and Brier not worse beyond a tolerance). The decision record is written to
``decision.json``; only then is the registry touched: the challenger is registered under the
``challenger`` alias, the record is attached to both versions, and the ``champion`` alias
moves only when the gate says so. Any error before that leaves the registry as it was.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from bankruptcy.core.errors import UserError
from bankruptcy.core.jsonable import json_ready
from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.serving.batch import file_format
from bankruptcy.serving.package import ModelPackage, problems_line

CHAMPION, CHALLENGER = "champion", "challenger"


@dataclass
class NewRows:
    """Labelled rows that arrived since the champion was trained, split for retraining.

    Attributes
    ----------
    train_X, train_y : DataFrame, ndarray
        The older part: added to the training rows.
    gate_X, gate_y : DataFrame, ndarray
        The most recent part: the gate's evaluation window (no model trains on it).
    """

    train_X: pd.DataFrame
    train_y: np.ndarray
    gate_X: pd.DataFrame
    gate_y: np.ndarray


def read_new_rows(package: ModelPackage, path: str | Path, labels: str, gate_share: float):
    """Read labelled rows (in time order) and split off the most recent `gate_share` for the gate.

    Raises
    ------
    UserError
        Missing feature or label columns, text in a number column, labels other than 0/1, or
        a part holding a single class.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file of new labelled rows (CSV or Parquet)")
    if not 0 < gate_share < 1:
        raise UserError(f"--gate-share {gate_share}: use a share in (0, 1), e.g. 0.3")
    frame = pd.read_parquet(path) if file_format(path) == "parquet" else pd.read_csv(path)
    if labels not in frame.columns:
        raise UserError(f"{path}: no label column {labels!r}; columns: {list(frame.columns)[:12]}")
    y = pd.to_numeric(frame[labels], errors="coerce")
    if y.isna().any() or not set(y.unique()) <= {0, 1}:
        found = sorted({str(v) for v in frame[labels].unique()})[:6]
        raise UserError(
            f"{path}: label column {labels!r} holds {found}; use 0 and 1 (1 = bankrupt)"
        )
    checked = package.contract.check(frame.drop(columns=labels), extra="ignore")
    if checked.problems:
        raise UserError(f"{path}: {problems_line(checked.problems)}")
    y = y.to_numpy(dtype=int)
    cut = len(y) - max(1, round(gate_share * len(y)))
    for part, labels_part in (("the training part", y[:cut]), ("the gate window", y[cut:])):
        if len(np.unique(labels_part)) < 2:
            raise UserError(
                f"{path}: {part} of the new rows holds one class only ({len(labels_part)} "
                "rows); retraining and the gate need bankrupt and operating companies"
            )
    X = checked.X.reset_index(drop=True)
    return NewRows(X.iloc[:cut], y[:cut], X.iloc[cut:], y[cut:])


def challenger_data(champion: ModelPackage, cfg, new: NewRows, window: int | None) -> Dataset:
    """The champion's own training rows plus the new ones (the last `window` rows if given)."""
    from bankruptcy.experiment.builder import build_experiment

    old = build_experiment(cfg)  # the champion's data, split as its config says
    X_old = old.dataset.X.iloc[old.split.train].reset_index(drop=True)
    y_old = old.dataset.y.to_numpy()[old.split.train]
    X = pd.concat([X_old, new.train_X[champion.contract.names]], ignore_index=True)
    y = np.concatenate([y_old, new.train_y])
    if window:
        X, y = X.iloc[-window:].reset_index(drop=True), y[-window:]
    return Dataset(
        name=f"{old.dataset.name}+new",
        X=X,
        y=pd.Series(y, name="y"),
        source=f"{old.dataset.source} + new rows",
        descriptions=old.dataset.descriptions,
        concepts=old.dataset.concepts,
    )


def retrain(
    name: str,
    new_data: str | Path,
    labels: str,
    out: Path,
    gate_share: float = 0.3,
    window: int | None = None,
    margin: float = 0.005,
    alpha: float = 0.05,
    logger: str = "wandb",
) -> dict:
    """Train a challenger, run the gate, record the decision, update the registry.

    Parameters
    ----------
    name : str
        Registered model whose ``champion`` is challenged.
    new_data : path
        Labelled rows (features + `labels`) in time order.
    labels : str
        The 0/1 outcome column.
    out : Path
        Folder for the challenger's job and ``decision.json``.
    gate_share : float
        Most recent share of the new rows kept for the gate.
    window : int, optional
        Train on the last `window` rows only (a sliding window) instead of all.
    margin, alpha : float
        The gate's ROC-AUC margin and significance level.
    logger : {"wandb", "none"}
        Tracking of the challenger's job and of the decision.

    Returns
    -------
    dict
        The decision record (also in ``out/decision.json``).
    """
    from bankruptcy.experiment.job import JobInfo, run_job
    from bankruptcy.monitoring import promotion_gate
    from bankruptcy.serving import registry

    champion = registry.open_model(f"models:/{name}@{CHAMPION}")
    new = read_new_rows(champion, new_data, labels, gate_share)
    cfg = OmegaConf.create(champion.manifest["config"])
    cfg.logger = (
        {"_target_": "bankruptcy.tracking.base.NullTracker"} if logger == "none" else cfg.logger
    )
    dataset = challenger_data(champion, cfg, new, window)
    job_dir = out / CHALLENGER
    run_job(cfg, JobInfo(job_dir, name=f"{name}-challenger"), dataset=dataset)
    challenger = ModelPackage.load(job_dir / "package")
    probabilities = champion.score_kind is ScoreKind.PROBA
    record = promotion_gate(
        new.gate_y,
        champion.scores(new.gate_X),
        challenger.scores(new.gate_X),
        margin=margin,
        alpha=alpha,
        probabilities=probabilities and champion.score_kind is challenger.score_kind,
    )
    record.update(
        decided=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        model=name,
        champion_version=champion.origin["version"],
        new_data=str(new_data),
        rows={"trained": len(dataset.y), "new": len(new.train_y), "gate": len(new.gate_y)},
        window=window,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "decision.json").write_text(json.dumps(json_ready(record), indent=2) + "\n")
    # everything that could fail has run: now the registry
    version = registry.register(job_dir / "package", name, alias=CHALLENGER).version
    record["challenger_version"] = version
    registry.attach_decision(name, [champion.origin["version"], version], record)
    if record["promoted"]:
        registry.set_alias(name, version, CHAMPION)
    (out / "decision.json").write_text(json.dumps(json_ready(record), indent=2) + "\n")
    if logger == "wandb":
        _log_decision(champion, record, out)
    return record


def _log_decision(champion: ModelPackage, record: dict, out: Path) -> None:
    """The decision as a W&B run (job type ``gate``) in the model's group."""
    from bankruptcy.tracking.wandb_tracker import WandbTracker

    tracking = champion.manifest.get("tracking") or {}
    tracker = WandbTracker(project=tracking.get("project") or "bankruptcy")
    group = tracking.get("group") or f"model-{record['model']}"
    with tracker.start(
        name=f"gate-{record['model']}",
        config={"margin": record["margin"], "alpha": record["alpha"]},
        directory=out,
        group=group,
        tags=["gate"],
        job_type="gate",
    ):
        figures = {"gate/promoted": float(record["promoted"]), "gate/p_value": record["p_value"]}
        for side in ("champion", "challenger"):
            for metric, value in record[side].items():
                if isinstance(value, int | float):
                    figures[f"gate/{side}_{metric}"] = value
        tracker.log_summary(json_ready(figures))
        tracker.log_file(out / "decision.json")
