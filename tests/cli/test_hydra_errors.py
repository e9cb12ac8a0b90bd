"""Which command-line choices need a plugin from an optional extra."""

from __future__ import annotations

import importlib.util

from bankruptcy.cli.hydra_errors import missing_plugin


def test_a_grid_sweep_needs_no_plugin_and_a_search_needs_optuna(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # no extra installed
    assert missing_plugin(["-m", "hparams_search=none", "model=svm,logistic"]) is None
    message = missing_plugin(["-m", "hparams_search=svm_optuna"])
    assert message.startswith("hparams_search=svm_optuna needs the hydra_optuna_sweeper plugin")
    assert 'pip install "bankruptcy[optuna]"' in message
