"""A window of production rows to monitor: from a file, or from the service's prediction log.

Either way the rows go through the package's input contract (rows holding text where a
number belongs are dropped and counted as rejected) and are scored by the package, so the
scores compared with the reference are the monitored model's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bankruptcy.core.errors import UserError
from bankruptcy.monitoring.horizons import matured_labels
from bankruptcy.monitoring.inputs import outcomes
from bankruptcy.serving.batch import file_format
from bankruptcy.serving.package import ModelPackage, problems_line
from bankruptcy.serving.predlog import PATTERN, read_records, scored_rows


@dataclass
class Window:
    """Checked and scored rows of one monitoring window.

    Attributes
    ----------
    X : DataFrame
        Contract columns of the rows kept.
    scores : ndarray
        The package's scores of those rows.
    labels : ndarray or None
        0/1 outcomes (NaN = not known yet), when the source has them.
    rejected : int
        Rows the contract refused (text in a number column; refused service requests).
    ignored : list of str
        Columns of the source that are not model inputs.
    source : str
        Where the rows came from, in words.
    by_horizon : dict or None
        A horizon model's labels per horizon (NaN where not matured yet); ``labels`` is then
        the main horizon's.
    log : dict or None
        For a prediction log: ``lines_skipped`` (lines that are not complete records, e.g. cut
        short by a crash), ``skipped_at`` (the first few, ``file:line``) and ``served_by``
        (rows per model name and version that scored them).
    """

    X: pd.DataFrame
    scores: np.ndarray
    labels: np.ndarray | None
    rejected: int
    ignored: list[str] = field(default_factory=list)
    source: str = ""
    log: dict | None = None
    by_horizon: dict | None = None


def load_window(
    package: ModelPackage,
    source: str | Path,
    labels: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Window:
    """The rows to monitor from `source` (a CSV/Parquet file or a prediction-log folder).

    Parameters
    ----------
    package : ModelPackage
        The monitored model.
    source : path
        A file of rows, or the service's ``--log-dir``.
    labels : str, optional
        Outcome column of the file (not a model input): the training data's label values
        (e.g. ``failed`` / ``alive``) or 0/1; empty = not known yet.
    since, until : str, optional
        ISO time window of a prediction log (``since <= ts < until``).
    """
    source = Path(source)
    if source.is_dir():
        if labels:
            raise UserError(
                f"--labels {labels}: a prediction log holds no outcomes; put the labelled "
                "rows in a CSV or Parquet file and monitor that"
            )
        frame, rejected, log = _from_log(source, since, until)
        where = f"prediction log {source} [{since or 'start'}, {until or 'end'})"
    elif source.is_file():
        reader = pd.read_parquet if file_format(source) == "parquet" else pd.read_csv
        frame, rejected, where, log = reader(source), 0, str(source), None
    else:
        raise UserError(f"{source}: no such file or prediction-log folder")
    frame = package.with_history(frame, where)
    checked = package.contract.check(frame, extra="passthrough", drop_bad_rows=True)
    if checked.problems:
        raise UserError(f"{where}: {problems_line(checked.problems)}")
    outcome, by_horizon = None, None
    if labels:
        if labels not in checked.passthrough.columns:
            raise UserError(f"{where}: no label column {labels!r}; columns: {list(frame.columns)}")
        label = package.contract.label
        outcome = outcomes(checked.passthrough[labels], label, f"{where}: label column {labels!r}")
        if package.horizons is not None:  # the firm's outcome -> each horizon's matured label
            by_horizon = matured_labels(package, checked.passthrough, outcome, where)
            outcome = by_horizon[package.horizons["main"]]
    ignored = [c for c in checked.passthrough.columns if c != labels]
    return Window(
        checked.X,
        package.scores(checked.X),
        outcome,
        rejected + checked.rejected,
        ignored,
        where,
        log,
        by_horizon,
    )


def _from_log(folder: Path, since: str | None, until: str | None) -> tuple[pd.DataFrame, int, dict]:
    """Input rows the service scored in the window, the rows of requests it refused, and what
    the log says about itself (see `Window.log`)."""
    if not any(folder.glob(PATTERN)):
        raise UserError(f"{folder}: no prediction log files ({PATTERN}); pass the serve --log-dir")
    skipped: list[str] = []
    records = list(read_records(folder, since, until, skipped))
    frame = scored_rows(records)
    if frame.empty:
        unreadable = f" ({len(skipped)} line(s) are not complete records)" if skipped else ""
        raise UserError(
            f"{folder}: no scored rows between {since or 'the start'} and {until or 'the end'}"
            f"{unreadable}; widen --since/--until"
        )
    refused = sum(_rows_sent(r.get("inputs")) for r in records if r["status"] == "refused")
    served_by = frame.groupby(["model_name", "model_version"], dropna=False).size()
    log = {
        "lines_skipped": len(skipped),
        "skipped_at": skipped[:5],
        "served_by": {f"{name} v{version}": int(n) for (name, version), n in served_by.items()},
    }
    served = [c for c in frame.columns if c.startswith("out_")]
    inputs = frame.drop(columns=["ts", "model_name", "model_version", "request", *served])
    return inputs, refused, log


def _rows_sent(inputs) -> int:
    """Rows of a refused request as sent (rows or columns form; 1 for a body not parsed)."""
    if isinstance(inputs, list):
        return len(inputs)
    if isinstance(inputs, dict) and inputs:
        return max(len(v) if isinstance(v, list) else 1 for v in inputs.values())
    return 1


def model_label(origin: dict) -> str:
    """``polish v2``: how a log names the model that scored a row (`Window.log` ``served_by``)."""
    return f"{origin.get('name')} v{origin.get('version')}"


def log_line(log: dict | None) -> str | None:
    """What a prediction log says about itself, in words: skipped lines, serving models."""
    if log is None:
        return None
    served = ", ".join(f"{model} ({n:,} rows)" for model, n in log["served_by"].items())
    line = f"prediction log: rows served by {served}"
    if set(log["served_by"]) != {log["monitored"]}:
        line += f"; monitored as {log['monitored']} (its reference, its own scores)"
    if log["lines_skipped"]:
        first = ", ".join(log["skipped_at"])
        line += (
            f"; {log['lines_skipped']} line(s) skipped, not complete records (torn by a crash or "
            f"a full disk?): {first}"
        )
    return line
