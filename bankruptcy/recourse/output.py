"""Plans as a table (one line per plan) and in words.

The table's columns, in order: ``row`` (0-based position in the input), ``plan`` (1..K; empty
for a firm without plans), ``status`` (``plan``, ``not_needed``, ``infeasible``),
``p_bankrupt`` (before), ``p_bankrupt_after``, ``n_changes``, ``changes`` (JSON text: feature ->
[from, to], ``from`` null for a filled gap), ``cost`` (in spreads), ``outlier_score`` (the
changed firm's distance to its nearest healthy training firms, 1 = typical), ``data_gaps``
(JSON text: missing feature -> PD if filled at the training median), then every contract
feature with the changed firm's values, so that scoring those columns reproduces
``p_bankrupt_after``. A firm ``not_needed`` keeps its values; an ``infeasible`` one shows the
lowest PD the search reached and the changes that reached it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from bankruptcy.recourse.engine import NOT_NEEDED, PLAN, FirmRecourse, Plan

COLUMNS = (
    "row", "plan", "status", "p_bankrupt", "p_bankrupt_after", "n_changes", "changes", "cost",
    "outlier_score", "data_gaps",
)  # fmt: skip


def plans_frame(
    results: list[FirmRecourse],
    X: pd.DataFrame,
    passthrough: pd.DataFrame | None = None,
    first_row: int = 0,
) -> pd.DataFrame:
    """The table of `results` for the firms `X` (contract order).

    Parameters
    ----------
    results : list of FirmRecourse
        One per row of `X` (`bankruptcy.recourse.engine.Recourser.run`).
    X : DataFrame
        The firms as given.
    passthrough : DataFrame, optional
        Other columns of the input (identifiers), repeated on each of a firm's lines, first.
    first_row : int
        Position of `X`'s first row in the whole input (``row`` counts from it).
    """
    names = list(X.columns)
    values = X.to_numpy(np.float64)
    lines, firms, rows = [], [], []
    for i, found in enumerate(results):
        plans = found.plans if found.status != NOT_NEEDED else []
        for k, plan in enumerate(plans or [None]):
            row = values[i].copy()
            if plan is not None:
                row[list(plan.features)] = plan.values
            lines.append(_line(first_row + i, k + 1, found, plan, values[i], names))
            firms.append(i)
            rows.append(row)
    table = pd.DataFrame(lines, columns=list(COLUMNS))
    table["plan"] = table["plan"].astype("Int64")
    features = pd.DataFrame(np.array(rows).reshape(len(rows), len(names)), columns=names)
    parts = [table, features]
    if passthrough is not None and passthrough.shape[1]:
        parts.insert(0, passthrough.iloc[firms].reset_index(drop=True))
    return pd.concat(parts, axis=1)


def changes_of(plan: Plan, x: np.ndarray, names: list[str]) -> dict[str, list]:
    """Feature -> [from, to] (``from`` None for a filled gap)."""
    return {
        names[j]: [_plain(x[j]), _plain(v)] for j, v in zip(plan.features, plan.values, strict=True)
    }


def in_words(changes: dict[str, list], before: float, after: float) -> str:
    """A plan in words: "raise Attr26 from 0.12 to 0.18 and lower Attr38 from 0.5 to 0.41:
    PD 0.31 -> 0.07"."""
    parts = []
    for name, (start, end) in changes.items():
        if start is None:
            parts.append(f"fill {name} with {_short(end)}")
        else:
            verb = "raise" if end > start else "lower"
            parts.append(f"{verb} {name} from {_short(start)} to {_short(end)}")
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"{text}: PD {_short(before, 3)} -> {_short(after, 3)}"


def _line(row: int, k: int, found: FirmRecourse, plan, x: np.ndarray, names) -> list:
    changes = {} if plan is None else changes_of(plan, x, names)
    return [
        row,
        k if found.status == PLAN else None,
        found.status,
        found.pd,
        found.pd if plan is None else plan.pd,
        len(changes),
        json.dumps(changes),
        0.0 if plan is None else plan.cost,
        float("nan") if plan is None else plan.outlier,
        json.dumps(found.gaps),
    ]


def _plain(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _short(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}"
