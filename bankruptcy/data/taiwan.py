"""Taiwanese bankruptcy prediction data (UCI 572; Kaggle "Company Bankruptcy Prediction")."""

from __future__ import annotations

import os
from collections.abc import Mapping

from sklearn.utils._param_validation import validate_params

from bankruptcy.data.dataset import CONCEPTS, DATA_DIR, Dataset, require_exact_columns
from bankruptcy.data.files import PublicSource, locate, resolve_data_dir
from bankruptcy.data.tabular import build_dataset, read_table

UCI_ARCHIVE = "https://archive.ics.uci.edu/static/public/572/taiwanese+bankruptcy+prediction.zip"
TARGET = "Bankrupt?"

#: The 95 ratio columns of ``data.csv`` in file order (the file pads each name with a space).
FEATURES = [
    "ROA(C) before interest and depreciation before interest",
    "ROA(A) before interest and % after tax",
    "ROA(B) before interest and depreciation after tax",
    "Operating Gross Margin",
    "Realized Sales Gross Margin",
    "Operating Profit Rate",
    "Pre-tax net Interest Rate",
    "After-tax net Interest Rate",
    "Non-industry income and expenditure/revenue",
    "Continuous interest rate (after tax)",
    "Operating Expense Rate",
    "Research and development expense rate",
    "Cash flow rate",
    "Interest-bearing debt interest rate",
    "Tax rate (A)",
    "Net Value Per Share (B)",
    "Net Value Per Share (A)",
    "Net Value Per Share (C)",
    "Persistent EPS in the Last Four Seasons",
    "Cash Flow Per Share",
    "Revenue Per Share (Yuan ¥)",
    "Operating Profit Per Share (Yuan ¥)",
    "Per Share Net profit before tax (Yuan ¥)",
    "Realized Sales Gross Profit Growth Rate",
    "Operating Profit Growth Rate",
    "After-tax Net Profit Growth Rate",
    "Regular Net Profit Growth Rate",
    "Continuous Net Profit Growth Rate",
    "Total Asset Growth Rate",
    "Net Value Growth Rate",
    "Total Asset Return Growth Rate Ratio",
    "Cash Reinvestment %",
    "Current Ratio",
    "Quick Ratio",
    "Interest Expense Ratio",
    "Total debt/Total net worth",
    "Debt ratio %",
    "Net worth/Assets",
    "Long-term fund suitability ratio (A)",
    "Borrowing dependency",
    "Contingent liabilities/Net worth",
    "Operating profit/Paid-in capital",
    "Net profit before tax/Paid-in capital",
    "Inventory and accounts receivable/Net value",
    "Total Asset Turnover",
    "Accounts Receivable Turnover",
    "Average Collection Days",
    "Inventory Turnover Rate (times)",
    "Fixed Assets Turnover Frequency",
    "Net Worth Turnover Rate (times)",
    "Revenue per person",
    "Operating profit per person",
    "Allocation rate per person",
    "Working Capital to Total Assets",
    "Quick Assets/Total Assets",
    "Current Assets/Total Assets",
    "Cash/Total Assets",
    "Quick Assets/Current Liability",
    "Cash/Current Liability",
    "Current Liability to Assets",
    "Operating Funds to Liability",
    "Inventory/Working Capital",
    "Inventory/Current Liability",
    "Current Liabilities/Liability",
    "Working Capital/Equity",
    "Current Liabilities/Equity",
    "Long-term Liability to Current Assets",
    "Retained Earnings to Total Assets",
    "Total income/Total expense",
    "Total expense/Assets",
    "Current Asset Turnover Rate",
    "Quick Asset Turnover Rate",
    "Working capitcal Turnover Rate",
    "Cash Turnover Rate",
    "Cash Flow to Sales",
    "Fixed Assets to Assets",
    "Current Liability to Liability",
    "Current Liability to Equity",
    "Equity to Long-term Liability",
    "Cash Flow to Total Assets",
    "Cash Flow to Liability",
    "CFO to Assets",
    "Cash Flow to Equity",
    "Current Liability to Current Assets",
    "Liability-Assets Flag",
    "Net Income to Total Assets",
    "Total assets to GNP price",
    "No-credit Interval",
    "Gross Profit to Sales",
    "Net Income to Stockholder's Equity",
    "Liability to Equity",
    "Degree of Financial Leverage (DFL)",
    "Interest Coverage Ratio (Interest expense to EBIT)",
    "Net Income Flag",
    "Equity to Liability",
]


@validate_params(
    {"file": [str], "data_dir": DATA_DIR, "concepts": CONCEPTS}, prefer_skip_nested_validation=True
)
def load_taiwan(
    file: str = "data.csv",
    data_dir: str | os.PathLike | None = None,
    concepts: Mapping[str, str] | None = None,
) -> Dataset:
    """Load the Taiwanese data: ``<data dir>/taiwan/<file>`` (fetched from UCI when missing).

    Parameters
    ----------
    file : str
        File name inside ``<data dir>/taiwan``.
    data_dir : path, optional
        Data directory; default from ``$BANKRUPTCY_DATA_DIR``.
    concepts : mapping, optional
        Financial concept -> column expression, see `Dataset`.
    """
    path = locate(resolve_data_dir(data_dir), f"taiwan/{file}", PublicSource(UCI_ARCHIVE, file))
    frame = read_table(path)
    frame.columns = frame.columns.str.strip()
    require_exact_columns(frame, [TARGET, *FEATURES], str(path))
    return build_dataset(
        frame,
        name="taiwan",
        source=str(path),
        target=TARGET,
        positive=1,
        known=[0, 1],
        concepts=concepts,
    )


#: The feature columns every file has, known before it is read (option checks).
load_taiwan.columns = tuple(FEATURES)
