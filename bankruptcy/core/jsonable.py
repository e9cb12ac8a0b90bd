"""Values as strict JSON takes them: Python scalars, lists, dicts; NaN and infinities as null."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd


def json_ready(value):
    """`value` with NumPy/pandas scalars as Python ones and NaN/infinities as ``None``."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(item) for item in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value) if math.isfinite(value) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value
