"""Real-data samples shared by the preprocessing tests (loaded once per session)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import compose_config


def concepts_of(dataset: str) -> dict:
    """The `concepts:` mapping declared in ``conf/dataset/<dataset>.yaml``."""
    cfg = compose_config([f"dataset={dataset}"])
    return dict(cfg.dataset.get("concepts") or {})


def stratified_rows(y, n: int, seed: int = 0) -> np.ndarray:
    """`n` row positions keeping the bankrupt share of `y` (at least 10 bankrupt rows)."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_pos = max(10, round(n * len(pos) / len(y)))
    return np.sort(np.r_[rng.choice(pos, n_pos, replace=False), rng.choice(neg, n - n_pos, False)])


@pytest.fixture(scope="session")
def polish1(data_dir):
    """Polish year 1 (the real UCI file) with its concepts."""
    from bankruptcy.data.polish import load_polish

    return load_polish(year=1, data_dir=data_dir, concepts=concepts_of("polish"))


@pytest.fixture(scope="session")
def polish_sample(polish1):
    """500 stratified rows of Polish year 1: (X, y)."""
    rows = stratified_rows(polish1.y, 500)
    return polish1.X.iloc[rows], polish1.y.iloc[rows]


@pytest.fixture(scope="session")
def american(data_dir):
    """The derived American file (77,332 firm-years) with its concepts."""
    from bankruptcy.data.american import load_american

    return load_american(
        "american_bankruptcy_partial.csv", data_dir=data_dir, concepts=concepts_of("american")
    )
