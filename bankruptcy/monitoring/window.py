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
from bankruptcy.serving.batch import file_format
from bankruptcy.serving.package import ModelPackage, problems_line
from bankruptcy.serving.predlog import PATTERN, read_log, read_records


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
    """

    X: pd.DataFrame
    scores: np.ndarray
    labels: np.ndarray | None
    rejected: int
    ignored: list[str] = field(default_factory=list)
    source: str = ""


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
        Column of 0/1 outcomes in the file (not part of the model's inputs).
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
        frame, rejected = _from_log(source, since, until)
        where = f"prediction log {source} [{since or 'start'}, {until or 'end'})"
    elif source.is_file():
        reader = pd.read_parquet if file_format(source) == "parquet" else pd.read_csv
        frame, rejected, where = reader(source), 0, str(source)
    else:
        raise UserError(f"{source}: no such file or prediction-log folder")
    checked = package.contract.check(frame, extra="passthrough", drop_bad_rows=True)
    if checked.problems:
        raise UserError(f"{where}: {problems_line(checked.problems)}")
    outcome = None
    if labels:
        if labels not in checked.passthrough.columns:
            raise UserError(f"{where}: no label column {labels!r}; columns: {list(frame.columns)}")
        outcome = pd.to_numeric(checked.passthrough[labels], errors="coerce").to_numpy()
        unknown = checked.passthrough[labels][
            np.isnan(outcome) & checked.passthrough[labels].notna()
        ]
        if len(unknown):
            raise UserError(
                f"{where}: label column {labels!r} holds {sorted(map(str, set(unknown)))[:5]}; "
                "use 0 (operating), 1 (bankrupt) or empty (not known yet)"
            )
    ignored = [c for c in checked.passthrough.columns if c != labels]
    return Window(
        checked.X,
        package.scores(checked.X),
        outcome,
        rejected + checked.rejected,
        ignored,
        where,
    )


def _from_log(folder: Path, since: str | None, until: str | None) -> tuple[pd.DataFrame, int]:
    """Input rows the service scored in the window, and the rows of requests it refused."""
    if not any(folder.glob(PATTERN)):
        raise UserError(f"{folder}: no prediction log files ({PATTERN}); pass the serve --log-dir")
    frame = read_log(folder, since, until)
    if frame.empty:
        raise UserError(
            f"{folder}: no scored rows between {since or 'the start'} and {until or 'the end'}; "
            "widen --since/--until"
        )
    refused = sum(
        _rows_sent(r.get("inputs"))
        for r in read_records(folder, since, until)
        if r["status"] == "refused"
    )
    served = [c for c in frame.columns if c.startswith("out_")]
    return frame.drop(columns=["ts", "model_name", "model_version", "request", *served]), refused


def _rows_sent(inputs) -> int:
    """Rows of a refused request as sent (rows or columns form; 1 for a body not parsed)."""
    if isinstance(inputs, list):
        return len(inputs)
    if isinstance(inputs, dict) and inputs:
        return max(len(v) if isinstance(v, list) else 1 for v in inputs.values())
    return 1
