"""The input contract of a model package: which columns a model needs, and checking new rows.

One contract serves batch scoring, the REST API and the web page: the same checks, the same
messages, the same warnings. A contract is built from the training rows (names in order,
dtype, whether values were missing or infinite, the observed range and quantiles) and stored
in the package as JSON.

Checking a batch gives either *problems* (the batch cannot be scored: missing columns, text
where a number belongs, unexpected columns when they are refused) or the scored-ready frame
with per-row *warnings* (a value missing or infinite where training had none, a value outside
the training range: scored, but flagged).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

QUANTILES = (0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999)
#: What to do with columns the contract does not name.
EXTRA_POLICIES = ("passthrough", "reject", "ignore")


@dataclass(frozen=True)
class Feature:
    """One input column as the model saw it in training."""

    name: str
    description: str
    dtype: str
    missing_in_training: bool
    infinite_in_training: bool
    min: float | None
    max: float | None
    quantiles: dict[str, float | None]


@dataclass(frozen=True)
class Problem:
    """Why a batch cannot be scored, machine-readable (the API's 422 body) and readable."""

    kind: str  # "missing_columns" | "extra_columns" | "not_a_number" | "empty"
    message: str
    columns: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """A batch after the contract's checks.

    Attributes
    ----------
    X : DataFrame or None
        The contract's columns in order, float64; None when there are problems.
    passthrough : DataFrame
        The other columns (identifiers), kept for the output when the policy passes them on.
    problems : list of Problem
        Empty when the batch can be scored.
    warnings : list of list of str
        Per row: what is unusual about it (empty lists for ordinary rows).
    ignored : list of str
        Columns dropped under the ``ignore`` policy.
    rejected : int
        Rows dropped for text in a number column (only when the check drops bad rows).
    """

    X: pd.DataFrame | None
    passthrough: pd.DataFrame
    problems: list[Problem]
    warnings: list[list[str]]
    ignored: list[str] = field(default_factory=list)
    rejected: int = 0


@dataclass(frozen=True)
class InputContract:
    """Feature columns in order, with what training showed of each; and the label's meaning."""

    features: list[Feature]
    label: dict

    @property
    def names(self) -> list[str]:
        """The feature names, in the order the model takes them."""
        return [f.name for f in self.features]

    @classmethod
    def from_training(
        cls, X: pd.DataFrame, descriptions: dict[str, str], label: dict
    ) -> InputContract:
        """Describe the training rows `X` (raw input columns) as a contract."""
        values = X.to_numpy(dtype=float)
        finite = np.where(np.isfinite(values), values, np.nan)
        quantiles = np.nanquantile(finite, QUANTILES, axis=0) if len(X) else None
        features = []
        for j, name in enumerate(X.columns):
            column = finite[:, j]
            seen = not np.isnan(column).all()
            features.append(
                Feature(
                    name=str(name),
                    description=descriptions.get(str(name), ""),
                    dtype="float64",
                    missing_in_training=bool(np.isnan(values[:, j]).any()),
                    infinite_in_training=bool(np.isinf(values[:, j]).any()),
                    min=float(np.nanmin(column)) if seen else None,
                    max=float(np.nanmax(column)) if seen else None,
                    quantiles={
                        f"q{q:g}": _finite_or_none(quantiles[i, j]) for i, q in enumerate(QUANTILES)
                    },
                )
            )
        return cls(features, dict(label))

    def to_dict(self) -> dict:
        """JSON-ready form (stored in ``package.json``)."""
        return {"features": [asdict(f) for f in self.features], "label": self.label}

    @classmethod
    def from_dict(cls, data: dict) -> InputContract:
        """Inverse of `to_dict`."""
        return cls([Feature(**f) for f in data["features"]], data["label"])

    def check(
        self,
        frame: pd.DataFrame,
        extra: str = "passthrough",
        drop_bad_rows: bool = False,
        typed: bool = False,
    ) -> Checked:
        """Check a batch of rows against the contract.

        Parameters
        ----------
        frame : DataFrame
            Rows to score; columns by name (order free).
        extra : {"passthrough", "reject", "ignore"}
            Columns the contract does not name: kept aside for the output (identifiers),
            refused as a problem, or dropped and listed.
        drop_bad_rows : bool
            Drop rows holding text where a number belongs (counted in ``rejected``)
            instead of refusing the batch: what monitoring a window of production rows wants.
        typed : bool
            Values come typed (JSON): text is never a number, not even ``"0.5"``. A file's
            values are text to parse (CSV).
        """
        if extra not in EXTRA_POLICIES:
            raise ValueError(f"extra must be one of {EXTRA_POLICIES}, got {extra!r}")
        names = self.names
        others = [str(c) for c in frame.columns if c not in set(names)]
        if len(frame) == 0:
            problem = Problem("empty", "the batch holds no rows; send at least one")
            return Checked(None, frame.iloc[:, :0], [problem], [])
        problems = []
        missing = [n for n in names if n not in frame.columns]
        if missing:
            problems.append(
                Problem(
                    "missing_columns",
                    f"missing feature column(s) {_listed(missing)}: every row needs all "
                    f"{len(names)} features of the model's input contract",
                    columns=missing,
                )
            )
        if others and extra == "reject":
            problems.append(
                Problem(
                    "extra_columns",
                    f"unexpected field(s) {_listed(others)}: not features of this model "
                    "(send only contract features, or ask to ignore unknown fields)",
                    columns=others,
                )
            )
        present = [n for n in names if n in frame.columns]
        X, bad, bad_rows = _numeric(frame[present], typed)
        passthrough = frame[others] if extra == "passthrough" else frame.iloc[:, :0]
        ignored = others if extra == "ignore" else []
        rejected = 0
        if drop_bad_rows and bad:
            X, passthrough, rejected = X[~bad_rows], passthrough[~bad_rows], int(bad_rows.sum())
        else:
            problems += bad
        if problems:
            return Checked(None, passthrough, problems, [[] for _ in range(len(frame))], ignored)
        if list(X.columns) != names:
            X = X[names]
        return Checked(X, passthrough, [], self.warnings(X), ignored, rejected)

    def warnings(self, X: pd.DataFrame) -> list[list[str]]:
        """Per row of contract-ordered `X`: values missing/infinite or outside training range.

        All columns are compared at once and only the flagged values make text: a row's
        check costs ~0.1 ms instead of three passes per feature.
        """
        values = X.to_numpy(dtype=float)
        features = self.features
        low = np.array([np.nan if f.min is None else f.min for f in features])
        high = np.array([np.nan if f.max is None else f.max for f in features])
        with np.errstate(invalid="ignore"):
            outside = np.isfinite(values) & ((values < low) | (values > high))
        flags = np.stack(
            [
                np.isnan(values) & ~np.array([f.missing_in_training for f in features]),
                np.isinf(values) & ~np.array([f.infinite_in_training for f in features]),
                outside,
            ],
            axis=-1,
        )
        rows: list[list[str]] = [[] for _ in range(len(X))]
        # np.nonzero walks rows, then features, then flags: each row's messages in that order
        for i, j, kind in zip(*np.nonzero(flags), strict=True):
            feature, value = features[j], values[i, j]
            shown = "" if np.isnan(value) else f"={value:.6g}"
            if kind == 0:
                text = "missing (training had no missing values)"
            elif kind == 1:
                text = "infinite (training had no infinite values)"
            else:
                text = f"outside the training range [{feature.min:.6g}, {feature.max:.6g}]"
            rows[i].append(f"{feature.name}{shown}: {text}")
        return rows


def _numeric(
    frame: pd.DataFrame, typed: bool = False
) -> tuple[pd.DataFrame, list[Problem], np.ndarray]:
    """`frame` as float64; a problem per column holding values that are not numbers (with
    `typed`, any text); the bad rows."""
    bad_rows = np.zeros(len(frame), dtype=bool)
    # JSON rows with a null make object columns: one cast beats a parse per column
    if _only_numbers_and_nulls(frame):
        return frame.astype(float), [], bad_rows
    out, problems = {}, []
    for name in frame.columns:
        column = frame[name]
        if _numbers_and_nulls(column):  # most columns: the checks below cost ~0.5 ms each
            out[name] = column.astype(float)
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        # text spellings of infinity parse as floats ("inf"); booleans are not numbers
        wrong = (numbers.isna() & column.notna()) | column.map(
            lambda v: isinstance(v, bool | str) if typed else isinstance(v, bool)
        )
        if wrong.any():
            bad_rows |= wrong.to_numpy()
            rows = np.flatnonzero(wrong.to_numpy())
            problems.append(
                Problem(
                    "not_a_number",
                    f"column {name}: {len(rows)} value(s) are not numbers, first at row "
                    f"{rows[0]}: {column.iloc[rows[0]]!r}"
                    + (" (send a JSON number, or null for a missing value)" if typed else ""),
                    columns=[str(name)],
                    rows=[int(r) for r in rows[:20]],
                    values=[str(column.iloc[r]) for r in rows[:20]],
                )
            )
        out[name] = numbers.astype(float)
    return pd.DataFrame(out, index=frame.index), problems, bad_rows


def _only_numbers_and_nulls(frame: pd.DataFrame) -> bool:
    """Whether `frame` holds only numeric columns and object columns of None, ints and floats."""
    objects = [i for i, t in enumerate(frame.dtypes) if t == np.dtype(object)]
    if not all(_is_number_kind(t) for t in frame.dtypes if t != np.dtype(object)):
        return False
    values = frame.iloc[:, objects].to_numpy().ravel() if objects else ()
    return all(v is None or type(v) in (int, float) for v in values)


def _numbers_and_nulls(column: pd.Series) -> bool:
    """Whether `column` is numeric or holds only None, ints and floats."""
    if column.dtype != np.dtype(object):
        return _is_number_kind(column.dtype)
    return all(v is None or type(v) in (int, float) for v in column.to_numpy())


def _is_number_kind(dtype) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _listed(names: list[str], most: int = 10) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _finite_or_none(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
