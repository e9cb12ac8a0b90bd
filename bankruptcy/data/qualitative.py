"""Qualitative Bankruptcy data (UCI 216), in its original and "bankruptcy-prevention" forms.

Both forms give the same features: the six expert assessments coded as
numbers the way the "bankruptcy-prevention" form codes them (risk columns
P=0, A=0.5, N=1; strength columns P=1, A=0.5, N=0), so results are comparable
whichever file a user has.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from bankruptcy.data.dataset import (
    CONCEPTS,
    DATA_DIR,
    DataError,
    Dataset,
    require_exact_columns,
)
from bankruptcy.data.files import PublicSource, locate, resolve_data_dir
from bankruptcy.data.tabular import build_dataset, read_table

UCI_ARCHIVE = "https://archive.ics.uci.edu/static/public/216/qualitative+bankruptcy.zip"
RISKS = ["industrial_risk", "management_risk", "operating_risk"]
STRENGTHS = ["financial_flexibility", "credibility", "competitiveness"]
#: Column order of the UCI file.
UCI_COLUMNS = [
    "industrial_risk",
    "management_risk",
    "financial_flexibility",
    "credibility",
    "competitiveness",
    "operating_risk",
    "class",
]
CODES = {
    **{c: {"P": 0.0, "A": 0.5, "N": 1.0} for c in RISKS},
    **{c: {"P": 1.0, "A": 0.5, "N": 0.0} for c in STRENGTHS},
}
DESCRIPTIONS = {
    column: f"{column.replace('_', ' ')}: expert rating, P={codes['P']:g} A={codes['A']:g} "
    f"N={codes['N']:g} (P positive, A average, N negative)"
    for column, codes in CODES.items()
}


def _read_uci(path) -> pd.DataFrame:
    """The original file: no header, P/A/N ratings, class B/NB."""
    frame = read_table(path, header=None)
    if frame.shape[1] != len(UCI_COLUMNS):
        raise DataError(
            f"{path}: {frame.shape[1]} columns, expected {len(UCI_COLUMNS)} "
            "(six P/A/N ratings and the class B/NB); is dataset.form right?"
        )
    frame.columns = UCI_COLUMNS
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    for column, codes in CODES.items():
        unknown = sorted(set(frame[column]) - set(codes))
        if unknown:
            raise DataError(f"{path}: column {column} has values {unknown[:5]}; expected P, A, N")
        frame[column] = frame[column].map(codes)
    return frame


def _read_prevention(path) -> pd.DataFrame:
    """The "bankruptcy-prevention" CSV: BOM, ';' separator, padded header, 0/0.5/1 codes."""
    frame = read_table(path, sep=";", encoding="utf-8-sig", skipinitialspace=True)
    frame.columns = frame.columns.str.strip()
    return frame


READERS = {"uci": _read_uci, "prevention": _read_prevention}
FILES = {"uci": "Qualitative_Bankruptcy.data.txt", "prevention": "bankruptcy-prevention.csv"}
POSITIVE = {
    "uci": ("B", ["B", "NB"]),
    "prevention": ("bankruptcy", ["bankruptcy", "non-bankruptcy"]),
}


@validate_params(
    {
        "form": [StrOptions(set(READERS))],
        "file": [str, None],
        "data_dir": DATA_DIR,
        "concepts": CONCEPTS,
    },
    prefer_skip_nested_validation=True,
)
def load_qualitative(
    form: str = "uci",
    file: str | None = None,
    data_dir: str | os.PathLike | None = None,
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Load the Qualitative Bankruptcy data from ``<data dir>/qualitative/``.

    Parameters
    ----------
    form : {"uci", "prevention"}
        File layout: the UCI text file or the "bankruptcy-prevention" CSV.
    file : str, optional
        File name; default the usual name of that form.
    data_dir : path, optional
        Data directory; default from ``$BANKRUPTCY_DATA_DIR``.
    concepts : mapping, optional
        Financial concept -> column expression, see `Dataset`.
    """
    name = file or FILES[form]
    source = PublicSource(UCI_ARCHIVE, f"Qualitative_Bankruptcy/{name}") if form == "uci" else None
    path = locate(resolve_data_dir(data_dir), f"qualitative/{name}", source)
    frame = READERS[form](path)
    require_exact_columns(frame, UCI_COLUMNS, str(path))
    positive, known = POSITIVE[form]
    return build_dataset(
        frame,
        name="qualitative",
        source=str(path),
        target="class",
        positive=positive,
        known=known,
        descriptions=DESCRIPTIONS,
        concepts=concepts,
    )
