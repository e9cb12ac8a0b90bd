"""Aggregate a sweep's jobs into one sorted leaderboard table."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bankruptcy.evaluation.metrics import higher_is_better, metric_of
from bankruptcy.evaluation.significance import corrected_resampled_ttest
from bankruptcy.experiment.outputs import JobStatus, read_folds
from bankruptcy.sweep.jobs import JobRecord, collect_jobs, split_override

DEFAULT_OBJECTIVE = "cv/pr_auc"
#: A job whose paired test against the best gives a p-value at least this is tied with it.
TIE_ALPHA = 0.05


@dataclass
class Leaderboard:
    """A sweep's jobs, best first.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per job: ``rank`` (missing for jobs without a result), ``status``, ``job``
        (dir relative to the sweep dir), one column per override key that varies across
        jobs, the objective and its ``_std``, ``pvalue_vs_best`` and ``tied_with_best``
        (`versus_best`), the other ``cv/``/``test/`` metrics, ``fit_seconds``, ``error`` and
        the full ``overrides`` string.
    objective : str
        Metric key the table is sorted by, e.g. ``"cv/pr_auc"``.
    maximize : bool
        Whether larger objective values rank first.
    params : list of str
        The override keys that vary across jobs (the table's parameter columns).
    fixed : dict of str to str
        Overrides shared by every job (e.g. ``experiment=polish_benchmark``).
    sweep_dir : pathlib.Path
        Where the jobs were read from.
    """

    table: pd.DataFrame
    objective: str
    maximize: bool
    params: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)
    sweep_dir: Path = Path(".")

    @property
    def ok(self) -> pd.DataFrame:
        """Rows of jobs that finished with metrics."""
        return self.table[self.table["status"] == JobStatus.OK]

    @property
    def best(self) -> pd.Series | None:
        """The top-ranked job's row, or None when no job succeeded."""
        ranked = self.ok.dropna(subset=[self.objective])
        return None if ranked.empty else ranked.iloc[0]

    @property
    def counts(self) -> dict[str, int]:
        """Number of jobs per status."""
        return {str(k): int(v) for k, v in self.table["status"].value_counts().items()}


def sweep_settings(sweep_dir: str | os.PathLike) -> tuple[str, bool]:
    """Objective key and direction of a sweep, read from Hydra's ``multirun.yaml``."""
    try:
        cfg = yaml.safe_load((Path(sweep_dir) / "multirun.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        cfg = {}
    sweeper = (cfg.get("hydra") or {}).get("sweeper") or {}
    return settings_from(cfg.get("objective"), sweeper.get("direction"))


def settings_from(objective: object, direction: object = None) -> tuple[str, bool]:
    """Objective key and whether to maximise it.

    Parameters
    ----------
    objective : str or None
        The config's ``objective`` (default ``cv/pr_auc``).
    direction : str, enum, list or None
        The sweeper's ``direction`` when it has one (Optuna: ``maximize``/``minimize``, the
        first one for multi-objective studies); otherwise the metric registry's.
    """
    objective = str(objective or DEFAULT_OBJECTIVE)
    if isinstance(direction, list | tuple):
        direction = direction[0] if direction else None
    # OmegaConf keeps Optuna's Direction enum; YAML gives its name.
    name = str(getattr(direction, "name", direction)).split(".")[-1]
    if name in ("maximize", "minimize"):
        return objective, name == "maximize"
    return objective, higher_is_better(objective)


def build_leaderboard(
    sweep_dir: str | os.PathLike, objective: str | None = None, maximize: bool | None = None
) -> Leaderboard:
    """Read every job of `sweep_dir` and rank them by `objective`.

    Parameters
    ----------
    sweep_dir : path
        A Hydra multirun dir.
    objective : str, optional
        Metric key to rank by; default: the sweep config's ``objective``.
    maximize : bool, optional
        Ranking direction; default: the sweeper's direction or the metric registry's.

    Returns
    -------
    Leaderboard
        Successful jobs ranked first; failed and incomplete jobs last, with their error.
    """
    sweep_dir = Path(sweep_dir)
    default_objective, default_maximize = sweep_settings(sweep_dir)
    objective = objective or default_objective
    if maximize is None:
        same = objective == default_objective
        maximize = default_maximize if same else higher_is_better(objective)
    jobs = collect_jobs(sweep_dir)
    params, fixed = _split_params(jobs)
    table = pd.DataFrame([_row(job, sweep_dir, params) for job in jobs])
    if table.empty:
        table = pd.DataFrame(columns=["status", "job", "error", "overrides"])
    table = _rank(_order_columns(table, params, objective), objective, maximize)
    table = versus_best(table, sweep_dir, objective)
    return Leaderboard(table, objective, maximize, params, fixed, sweep_dir)


def versus_best(
    table: pd.DataFrame, sweep_dir: Path, objective: str, alpha: float = TIE_ALPHA
) -> pd.DataFrame:
    """Add ``pvalue_vs_best`` and ``tied_with_best`` after the objective's columns.

    Each ranked job whose CV folds are the best job's (same ``folds_id`` in ``folds.json``)
    is compared with it fold by fold on the objective's metric by the Nadeau-Bengio corrected
    resampled t-test (`bankruptcy.evaluation.significance`); it is tied when the p-value is at
    least `alpha`. The best job is tied with itself (no p-value). Jobs on other folds, without
    ``folds.json``, or a ``test/`` objective are not compared (both cells empty).
    """
    pvalues = pd.Series(math.nan, index=table.index)
    tied = pd.Series(pd.NA, index=table.index, dtype="boolean")
    ranked = table[table["rank"].notna()]
    best = None if ranked.empty or not objective.startswith("cv/") else ranked.index[0]
    reference = None if best is None else read_folds(sweep_dir / table.at[best, "job"])
    metric = metric_of(objective)
    if reference is not None and metric in reference["metrics"]:
        ratio = np.mean(reference["validation_rows"]) / np.mean(reference["fit_rows"])
        tied[best] = True
        for index in ranked.index[1:]:
            folds = read_folds(sweep_dir / table.at[index, "job"])
            if folds is None or folds["folds_id"] != reference["folds_id"]:
                continue
            pvalues[index] = corrected_resampled_ttest(
                reference["metrics"][metric], folds["metrics"][metric], ratio
            )
            tied[index] = bool(pvalues[index] >= alpha)
    at = list(table.columns).index(objective) + 1
    at += f"{objective}_std" in table.columns
    table = table.copy()
    table.insert(at, "pvalue_vs_best", pvalues)
    table.insert(at + 1, "tied_with_best", tied)
    return table


def _split_params(jobs: list[JobRecord]) -> tuple[list[str], dict[str, str]]:
    """Override keys that vary across jobs (in first-seen order) and the shared ones."""
    values: dict[str, set[str | None]] = {}
    for job in jobs:
        for override in job.overrides:
            key, value = split_override(override)
            values.setdefault(key, set()).add(value)
    for job in jobs:
        present = {split_override(o)[0] for o in job.overrides}
        for key in values.keys() - present:
            values[key].add(None)  # absent in some jobs counts as a different value
    params = [k for k, v in values.items() if len(v) > 1]
    fixed = {k: next(iter(v)) for k, v in values.items() if len(v) == 1}
    return params, fixed


def _row(job: JobRecord, sweep_dir: Path, params: list[str]) -> dict:
    given = dict(split_override(o) for o in job.overrides)
    row = {"status": job.status, "job": job.path.relative_to(sweep_dir).as_posix()}
    row.update({key: given.get(key, "") for key in params})
    row.update({k: v for k, v in job.metrics.items() if isinstance(v, int | float)})
    row["error"] = job.error
    row["overrides"] = " ".join(job.overrides)
    return row


def _order_columns(table: pd.DataFrame, params: list[str], objective: str) -> pd.DataFrame:
    """Identity, parameters, objective, other CV metrics, test metrics, timings, error."""
    if objective not in table.columns:
        table[objective] = math.nan
    metric_cols = [c for c in table.columns if "/" in c and c not in params]
    cv = sorted(c for c in metric_cols if c.startswith("cv/") and c != objective)
    cv = [c for c in cv if c != f"{objective}_std"]
    head = [objective] + ([f"{objective}_std"] if f"{objective}_std" in table.columns else [])
    rest = sorted(c for c in metric_cols if c not in head and c not in cv)
    known = {"status", "job", "error", "overrides", *params, *head, *cv, *rest}
    other = [c for c in table.columns if c not in known]
    ordered = ["status", "job", *params, *head, *cv, *rest, *other, "error", "overrides"]
    return table[ordered]


def _rank(table: pd.DataFrame, objective: str, maximize: bool) -> pd.DataFrame:
    """Sort successful jobs by the objective; jobs without a value go last, unranked."""
    scored = (table["status"] == JobStatus.OK) & table[objective].notna()
    top = table[scored].sort_values(objective, ascending=not maximize, kind="stable")
    bottom = table[~scored]
    ranked = pd.concat([top, bottom], ignore_index=True)
    ranks = pd.array(list(range(1, len(top) + 1)) + [pd.NA] * len(bottom), dtype="Int64")
    ranked.insert(0, "rank", ranks)
    return ranked
