"""American companies bankruptcy data, 1999-2018 (Lombardo et al. 2022; Kaggle)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from sklearn.utils._param_validation import validate_params

from bankruptcy.data.dataset import CONCEPTS, DATA_DIR, Dataset, require_exact_columns
from bankruptcy.data.files import locate, resolve_data_dir
from bankruptcy.data.tabular import build_dataset, read_table

#: Raw amounts X1..X18 (in millions of USD) as documented by the dataset's authors.
DESCRIPTIONS = {
    f"X{i}": text
    for i, text in enumerate(
        [
            "current assets",
            "cost of goods sold",
            "depreciation and amortization",
            "EBITDA",
            "inventory",
            "net income",
            "total receivables",
            "market value",
            "net sales",
            "total assets",
            "total long-term debt",
            "EBIT",
            "gross profit",
            "total current liabilities",
            "retained earnings",
            "total revenue",
            "total liabilities",
            "total operating expenses",
        ],
        start=1,
    )
}


@validate_params(
    {"file": [str], "data_dir": DATA_DIR, "concepts": CONCEPTS}, prefer_skip_nested_validation=True
)
def load_american(
    file: str = "american_bankruptcy.csv",
    data_dir: str | os.PathLike | None = None,
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Load the firm-year file ``<data dir>/american/<file>``.

    ``year`` becomes the time column and ``company_name`` the group column;
    neither is a feature. The file is published on Kaggle only (no anonymous
    download), so a missing file is an error saying where to put it.

    Parameters
    ----------
    file : str
        File name inside ``<data dir>/american``.
    data_dir : path, optional
        Data directory; default from ``$BANKRUPTCY_DATA_DIR``.
    concepts : mapping, optional
        Financial concept -> column expression, see `Dataset`.
    """
    path = locate(resolve_data_dir(data_dir), f"american/{file}")
    frame = read_table(path)
    require_exact_columns(frame, ["company_name", "status_label", "year", *DESCRIPTIONS], str(path))
    return build_dataset(
        frame,
        name="american",
        source=str(path),
        target="status_label",
        positive="failed",
        known=["alive", "failed"],
        time="year",
        group="company_name",
        descriptions=DESCRIPTIONS,
        concepts=concepts,
    )


#: Its rows always have a time column (checked before loading, e.g. for protocol=temporal).
load_american.time_column = "year"
#: ... and a firm column (labels by horizon need both).
load_american.group_column = "company_name"
#: The feature columns every file has, known before it is read (option checks).
load_american.columns = tuple(DESCRIPTIONS)
