"""Names of logged things that other tools look up: the sweep dashboard reads runs by them."""

from __future__ import annotations

#: Key prefix of a job's native charts: ``charts/roc_test`` (its table ``charts/roc_test_table``).
CHARTS = "charts/"
