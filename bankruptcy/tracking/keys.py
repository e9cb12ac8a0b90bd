"""Names of logged things that other tools look up: the sweep dashboard reads runs by them."""

from __future__ import annotations

from collections.abc import Mapping

#: Run-config prefix of the option chosen in each config group: ``choice/model = logistic``.
CHOICE = "choice/"
#: Key prefix of a job's native charts: ``charts/roc_test`` (its table ``charts/roc_test_table``).
CHARTS = "charts/"


def choice_keys(choices: Mapping[str, object]) -> dict[str, str]:
    """Flat run-config keys ``choice/<group>`` of Hydra's chosen options.

    The nested run config holds each option's values (``model.C``) but not which option was
    chosen; these flat keys let W&B's parallel coordinates, parameter importance and run
    filters compare the jobs of a sweep. Groups of Hydra itself and unset groups are left out.

    Parameters
    ----------
    choices : mapping of str to str or None
        ``HydraConfig.get().runtime.choices``, e.g. ``{"model": "logistic", ...}``.
    """
    return {
        f"{CHOICE}{group}": str(option)
        for group, option in choices.items()
        if option is not None and not group.startswith("hydra/")
    }
