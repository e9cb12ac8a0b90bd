"""Fixtures of the EDA tests: the report options from conf/eda.yaml and a small planted dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from bankruptcy.data.dataset import Dataset

EDA_CONFIG = Path(__file__).resolve().parents[2] / "conf" / "eda.yaml"


@pytest.fixture(scope="session")
def eda_options() -> dict:
    """The ``eda`` block of conf/eda.yaml, resolved (the options `run_eda` gets from the CLI)."""
    return OmegaConf.to_container(OmegaConf.load(EDA_CONFIG).eda, resolve=True)


@pytest.fixture
def planted() -> Dataset:
    """300 rows, 10 % bankrupt, features whose statistics are known by construction.

    - ``signal``: equals the label (univariate AUC 1, higher = riskier);
    - ``inverse``: minus the label (AUC 1, lower = riskier);
    - ``noise``: standard normal, light-tailed;
    - ``heavy``: signed log-normal with magnitudes up to ~1e6 (heavy-tailed), one +inf;
    - ``gappy``: missing in the first 30 rows, which are all bankrupt.
    Rows 1 and 2 are exact copies of row 0; ``time`` runs over 3 years.
    """
    rng = np.random.default_rng(0)
    n = 300
    y = np.zeros(n, dtype=np.int8)
    y[:30] = 1
    gappy = rng.normal(size=n)
    gappy[:30] = np.nan
    X = pd.DataFrame(
        {
            "signal": y.astype(float),
            "inverse": -y.astype(float),
            "noise": rng.normal(size=n),
            "heavy": rng.choice([-1.0, 1.0], size=n) * np.exp(rng.normal(0, 4, size=n)),
            "gappy": gappy,
        }
    )
    X.iloc[1:3] = X.iloc[0].to_numpy()
    X.loc[299, "heavy"] = np.inf  # a zero denominator, as some exports write it
    return Dataset(
        name="planted",
        X=X,
        y=pd.Series(y, name="bankrupt"),
        source="tests/eda/conftest.py",
        descriptions={"signal": "the label itself", "heavy": "a <ratio> & friends"},
        time=pd.Series(np.repeat([2001, 2002, 2003], 100), name="year"),
    )
