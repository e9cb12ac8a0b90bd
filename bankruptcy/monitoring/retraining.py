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
from sklearn.model_selection import train_test_split

from bankruptcy.core.errors import UserError
from bankruptcy.core.jsonable import json_ready
from bankruptcy.data.dataset import Dataset
from bankruptcy.evaluation.metrics import ScoreKind
from bankruptcy.monitoring.horizons import matured_labels
from bankruptcy.monitoring.inputs import outcomes
from bankruptcy.serving.batch import file_format
from bankruptcy.serving.package import ModelPackage, problems_line

CHAMPION, CHALLENGER = "champion", "challenger"


@dataclass
class NewRows:
    """Labelled rows that arrived since the champion was trained, split for retraining.

    Attributes
    ----------
    train_X, train_y : DataFrame, ndarray
        The older part (or, without a time column, a stratified random part): added to the
        training rows.
    gate_X, gate_y : DataFrame, ndarray
        The most recent part (or the rest): the gate's evaluation window (no model trains on it).
    split : str
        How the rows were split, in words (recorded in the decision).
    train_time, train_groups : Series or None
        The training part's time and group columns, where the file has the champion's.
    """

    train_X: pd.DataFrame
    train_y: np.ndarray
    gate_X: pd.DataFrame
    gate_y: np.ndarray
    split: str
    train_time: pd.Series | None = None
    train_groups: pd.Series | None = None


def read_new_rows(
    package: ModelPackage,
    path: str | Path,
    labels: str,
    gate_share: float,
    time_column: str | None = None,
    seed: int = 0,
) -> NewRows:
    """Read labelled rows and split off the gate window: the latest `gate_share` in time.

    Parameters
    ----------
    package : ModelPackage
        The champion: its input contract, its label values, its time and group columns.
    path : path
        CSV or Parquet file of new rows (features, the outcome, optionally time and group).
    labels : str
        The outcome column: the champion's training label values (e.g. ``failed``/``alive``)
        or 0/1.
    gate_share : float
        Share of the rows kept for the gate.
    time_column : str, optional
        Column ordering the rows in time; default the champion's time column where the file
        has it. Without one the gate window is a stratified random share (seed `seed`): file
        order is not time (exports are often sorted by the label).
    seed : int
        Seed of that random split (the champion's job seed).

    Raises
    ------
    UserError
        Missing feature, label or time columns, text in a number column, unknown label values,
        or a part holding a single class.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file of new labelled rows (CSV or Parquet)")
    if not 0 < gate_share < 1:
        raise UserError(f"--gate-share {gate_share}: use a share in (0, 1), e.g. 0.3")
    frame = pd.read_parquet(path) if file_format(path) == "parquet" else pd.read_csv(path)
    if labels not in frame.columns:
        raise UserError(f"{path}: no label column {labels!r}; columns: {list(frame.columns)[:12]}")
    if time_column is not None and time_column not in frame.columns:
        raise UserError(
            f"{path}: no time column {time_column!r}; columns: {list(frame.columns)[:12]}"
        )
    coded = outcomes(frame[labels], package.contract.label, f"{path}: label column {labels!r}")
    if np.isnan(coded).any():
        raise UserError(f"{path}: {int(np.isnan(coded).sum())} row(s) of {labels!r} have no label")
    frame = package.with_history(frame, str(path))  # a panel model: the firms' earlier rows
    checked = package.contract.check(frame.drop(columns=labels), extra="ignore")
    if checked.problems:
        raise UserError(f"{path}: {problems_line(checked.problems)}")
    y = coded.astype(int)
    time_column = time_column or _present(frame, package.manifest["data"].get("time"))
    train, gate, split = _gate_split(frame, y, time_column, gate_share, seed)
    gate_y = y[gate]
    if package.horizons is not None:  # the gate scores the main horizon's matured labels
        main = matured_labels(package, frame, coded, str(path))[package.horizons["main"]]
        gate = gate[~np.isnan(main[gate])]
        gate_y = main[gate].astype(int)
        split += f"; {len(gate)} of them with a matured {package.horizons['main']}-year label"
    for part, labelled in (("the training part", y[train]), ("the gate window", gate_y)):
        if len(np.unique(labelled)) < 2:
            raise UserError(
                f"{path}: {part} of the new rows holds one class only ({len(labelled)} rows, "
                f"split {split}); retraining and the gate need bankrupt and operating companies"
            )
    X = checked.X.reset_index(drop=True)
    group = _present(frame, package.manifest["data"].get("group"))
    return NewRows(
        X.iloc[train],
        y[train],
        X.iloc[gate],
        gate_y,
        split,
        frame[time_column].iloc[train] if time_column else None,
        frame[group].iloc[train] if group else None,
    )


def _present(frame: pd.DataFrame, column: str | None) -> str | None:
    return column if column in frame.columns else None


def _gate_split(frame, y, time_column: str | None, gate_share: float, seed: int):
    """Row positions of the training part and the gate window, and how they were chosen."""
    n_gate = max(1, round(gate_share * len(y)))
    if time_column is not None:
        times = frame[time_column]
        order = np.argsort(times.to_numpy(), kind="stable")
        cut = len(y) - n_gate
        span = f"{times.iloc[order[cut]]}-{times.iloc[order[-1]]}"
        return order[:cut], order[cut:], f"by {time_column}: the latest {n_gate} rows ({span})"
    try:
        train, gate = train_test_split(
            np.arange(len(y)), test_size=n_gate, stratify=y, random_state=seed
        )
    except ValueError:  # a class too rare to stratify: the one-class check below says so
        train, gate = train_test_split(np.arange(len(y)), test_size=n_gate, random_state=seed)
    return (
        np.sort(train),
        np.sort(gate),
        f"at random, stratified by the label (seed {seed}): the file has no time column",
    )


def challenger_data(champion: ModelPackage, cfg, new: NewRows, window: int | None) -> Dataset:
    """The champion's own training rows plus the new ones (the last `window` rows if given).

    Time and group columns are kept where both the champion's data and the new rows have them
    (a temporal protocol and group-aware folds then work as for the champion). A horizon
    model's rows are the statements with their firm's outcome (its target derives the labels
    and its pipeline the history again, on the joined panel).
    """
    from bankruptcy.experiment.builder import build_experiment

    old = build_experiment(cfg)  # the champion's data, split as its config says
    rows = old.split.train
    y_old = old.dataset.y.to_numpy()[rows]
    horizon = old.dataset.horizon
    if horizon is not None:  # the statements themselves, with their firms' outcome
        if new.train_time is None or new.train_groups is None:
            raise UserError(
                "the new rows need the champion's firm and year columns "
                f"({champion.manifest['data']['group']}, {champion.manifest['data']['time']}): "
                "a horizon model's labels are derived from them"
            )
        sources, first = np.unique(horizon.rows[rows], return_index=True)
        rows, y_old = rows[first], horizon.panel.failed[sources].astype(int)
    columns = champion.statement_columns  # history columns are rebuilt on the joined panel
    X_old = old.dataset.X.iloc[rows][columns].reset_index(drop=True)
    X = pd.concat([X_old, new.train_X[columns]], ignore_index=True)
    y = np.concatenate([y_old, new.train_y])
    times = _joined(old.dataset.time, rows, new.train_time)
    groups = _joined(old.dataset.groups, rows, new.train_groups)
    if window:
        X, y = X.iloc[-window:].reset_index(drop=True), y[-window:]
        times, groups = (_last(column, window) for column in (times, groups))
    return Dataset(
        name=f"{old.dataset.name}+new",
        X=X,
        y=pd.Series(y, name="y"),
        source=f"{old.dataset.source} + new rows",
        descriptions=old.dataset.descriptions,
        time=times,
        groups=groups,
        concepts=old.dataset.concepts,
        bankrupt_value=old.dataset.bankrupt_value,
        label_values=old.dataset.label_values,
    )


def _last(column: pd.Series | None, n: int) -> pd.Series | None:
    return None if column is None else column.iloc[-n:].reset_index(drop=True)


def _joined(old: pd.Series | None, rows: np.ndarray, new: pd.Series | None) -> pd.Series | None:
    """The champion's training rows' column followed by the new rows' (None unless both)."""
    if old is None or new is None:
        return None
    return pd.concat([old.iloc[rows], new], ignore_index=True).rename(old.name)


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
    time_column: str | None = None,
) -> dict:
    """Train a challenger, run the gate, record the decision, update the registry.

    Parameters
    ----------
    name : str
        Registered model whose ``champion`` is challenged.
    new_data : path
        Labelled rows (features + `labels`, and a time column where there is one).
    labels : str
        The outcome column (the champion's training label values, or 0/1).
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
    time_column : str, optional
        Column ordering the new rows in time (default the champion's; see `read_new_rows`).

    Returns
    -------
    dict
        The decision record (also in ``out/decision.json``).
    """
    from bankruptcy.experiment.job import JobInfo, run_job
    from bankruptcy.monitoring import promotion_gate
    from bankruptcy.serving import registry

    champion = registry.open_model(f"models:/{name}@{CHAMPION}")
    cfg = OmegaConf.create(champion.manifest["config"])
    new = read_new_rows(champion, new_data, labels, gate_share, time_column, cfg.seed)
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
        gate_split=new.split,
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
