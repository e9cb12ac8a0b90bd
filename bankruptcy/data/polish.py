"""Polish companies bankruptcy data (UCI 365): Weka ARFF files, one per forecasting year."""

from __future__ import annotations

import os
from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd
from scipy.io import arff
from sklearn.utils._param_validation import Interval, validate_params

from bankruptcy.data.dataset import (
    CONCEPTS,
    DATA_DIR,
    DataError,
    Dataset,
    encode_labels,
    require_columns,
    validate,
)
from bankruptcy.data.files import PublicSource, locate, read_once, resolve_data_dir

UCI_ARCHIVE = "https://archive.ics.uci.edu/static/public/365/polish+companies+bankruptcy+data.zip"

#: UCI attribute list: Attr<i> -> meaning.
DESCRIPTIONS = {
    f"Attr{i}": text
    for i, text in enumerate(
        [
            "net profit / total assets",
            "total liabilities / total assets",
            "working capital / total assets",
            "current assets / short-term liabilities",
            "[(cash + short-term securities + receivables - short-term liabilities) / "
            "(operating expenses - depreciation)] * 365",
            "retained earnings / total assets",
            "EBIT / total assets",
            "book value of equity / total liabilities",
            "sales / total assets",
            "equity / total assets",
            "(gross profit + extraordinary items + financial expenses) / total assets",
            "gross profit / short-term liabilities",
            "(gross profit + depreciation) / sales",
            "(gross profit + interest) / total assets",
            "(total liabilities * 365) / (gross profit + depreciation)",
            "(gross profit + depreciation) / total liabilities",
            "total assets / total liabilities",
            "gross profit / total assets",
            "gross profit / sales",
            "(inventory * 365) / sales",
            "sales (n) / sales (n-1)",
            "profit on operating activities / total assets",
            "net profit / sales",
            "gross profit (in 3 years) / total assets",
            "(equity - share capital) / total assets",
            "(net profit + depreciation) / total liabilities",
            "profit on operating activities / financial expenses",
            "working capital / fixed assets",
            "logarithm of total assets",
            "(total liabilities - cash) / sales",
            "(gross profit + interest) / sales",
            "(current liabilities * 365) / cost of products sold",
            "operating expenses / short-term liabilities",
            "operating expenses / total liabilities",
            "profit on sales / total assets",
            "total sales / total assets",
            "(current assets - inventories) / long-term liabilities",
            "constant capital / total assets",
            "profit on sales / sales",
            "(current assets - inventory - receivables) / short-term liabilities",
            "total liabilities / ((profit on operating activities + depreciation) * (12/365))",
            "profit on operating activities / sales",
            "rotation receivables + inventory turnover in days",
            "(receivables * 365) / sales",
            "net profit / inventory",
            "(current assets - inventory) / short-term liabilities",
            "(inventory * 365) / cost of products sold",
            "EBITDA (profit on operating activities - depreciation) / total assets",
            "EBITDA (profit on operating activities - depreciation) / sales",
            "current assets / total liabilities",
            "short-term liabilities / total assets",
            "(short-term liabilities * 365) / cost of products sold",
            "equity / fixed assets",
            "constant capital / fixed assets",
            "working capital",
            "(sales - cost of products sold) / sales",
            "(current assets - inventory - short-term liabilities) / "
            "(sales - gross profit - depreciation)",
            "total costs / total sales",
            "long-term liabilities / equity",
            "sales / inventory",
            "sales / receivables",
            "(short-term liabilities * 365) / sales",
            "sales / short-term liabilities",
            "sales / fixed assets",
        ],
        start=1,
    )
}


@validate_params(
    {
        "year": [Interval(Integral, 1, 5, closed="both")],
        "file": [str, None],
        "data_dir": DATA_DIR,
        "concepts": CONCEPTS,
    },
    prefer_skip_nested_validation=True,
)
def load_polish(
    year: int = 1,
    file: str | None = None,
    data_dir: str | os.PathLike | None = None,
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Load one year of the Polish bankruptcy data.

    Parameters
    ----------
    year : int
        Forecasting year 1-5; the label is the status after ``6 - year`` years.
    file : str, optional
        File name inside ``<data dir>/polish``; default ``<year>year.arff``
        (fetched from UCI when missing).
    data_dir : path, optional
        Data directory; default from ``$BANKRUPTCY_DATA_DIR``.
    concepts : mapping, optional
        Financial concept -> column expression, see `Dataset`.
    """
    name = file or f"{year}year.arff"
    source = None if file else PublicSource(UCI_ARCHIVE, member=name)
    path = locate(resolve_data_dir(data_dir), f"polish/{name}", source)
    try:
        frame = read_once(path, _read_arff)
    except (ValueError, arff.ParseArffError) as error:
        raise DataError(f"{path}: not a readable ARFF file ({error})") from None
    features = list(DESCRIPTIONS)
    require_columns(frame, [*features, "class"], str(path))
    y = encode_labels(frame["class"], positive="1", known={"0", "1"}, source=str(path))
    X = frame[features].astype(np.float64)
    return validate(
        Dataset(
            name=f"polish_year{year}",
            X=X,
            y=y,
            source=str(path),
            descriptions=dict(DESCRIPTIONS),
            concepts=dict(concepts or {}),
        )
    )


def _read_arff(path) -> pd.DataFrame:
    records, _ = arff.loadarff(path)
    return pd.DataFrame(records)


#: The feature columns every file has, known before it is read (option checks).
load_polish.columns = tuple(DESCRIPTIONS)
