"""Command-line mistakes Hydra finds: a plugin from an optional extra, overrides it cannot apply."""

from __future__ import annotations

import importlib.util

import pytest
from hydra.errors import ConfigCompositionException, OverrideParseException

from bankruptcy.cli.hydra_errors import composition_error, missing_plugin
from tests.conftest import compose_config


def test_a_grid_sweep_needs_no_plugin_and_a_search_needs_optuna(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # no extra installed
    assert missing_plugin(["-m", "hparams_search=none", "model=svm,logistic"]) is None
    message = missing_plugin(["-m", "hparams_search=svm_optuna"])
    assert message.startswith("hparams_search=svm_optuna needs the hydra_optuna_sweeper plugin")
    assert 'pip install "bankruptcy[optuna]"' in message
    # our Ray launcher is always there; the library it runs on comes with the extra
    message = missing_plugin(["-m", "hydra/launcher=ray"])
    assert message.startswith('hydra/launcher=ray needs the ray package: pip install "bankrup')


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=svn"], "model=svn: model has no option 'svn'; choose from altman_z, catboost,"),
        (["hydra/launcher=nope"], "hydra/launcher=nope: hydra/launcher has no option 'nope'"),
        (["model.C==1"], "model.C==1: not an override Hydra can read (extraneous input '='"),
        (["model.C=[1"], "model.C=[1: not an override Hydra can read (no viable alternative"),
        (["model=logistic", "model.Cc=1"], "model.Cc=1: model has no option 'Cc'; list its"),
        (["~model.Cc"], "Could not delete from config. 'model.Cc' does not exist."),
    ],
)
def test_composition_errors_are_one_line_naming_the_override(overrides, message):
    with pytest.raises((ConfigCompositionException, OverrideParseException)) as error:
        compose_config(overrides, return_hydra_config=True)
    line = composition_error(error.value, overrides)
    assert "\n" not in line and line.startswith(message), line
