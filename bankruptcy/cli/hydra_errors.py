"""What the entrypoint checks around Hydra: a mistake on the command line is one clear line.

Hydra composes the config before any of our code runs, so two kinds of mistakes would
surface as Hydra's own multi-line errors:

- a launcher or sweeper whose plugin lives in an optional extra ("Could not load
  'hydra/launcher/submitit_slurm'"): `missing_plugin` names the extra to install;
- an option a component does not have (``model.Cc=1``: "Could not override ... Key 'Cc' is
  not in struct"): `composition_error` names the override and how to list the options.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass

from hydra.errors import ConfigCompositionException


@dataclass(frozen=True)
class Plugin:
    """A Hydra plugin: the module it installs and the extra of this project that provides it."""

    module: str
    extra: str


SUBMITIT = Plugin("hydra_plugins.hydra_submitit_launcher", "slurm")
RAY = Plugin("hydra_plugins.hydra_ray_launcher", "ray")
OPTUNA = Plugin("hydra_plugins.hydra_optuna_sweeper", "optuna")

#: Config group -> option -> plugin it needs ("*": every other option of the group).
NEEDS: dict[str, dict[str, Plugin | None]] = {
    "hydra/launcher": {
        "slurm": SUBMITIT,
        "submitit_slurm": SUBMITIT,
        "submitit_processes": SUBMITIT,
        "submitit_local": SUBMITIT,
        "ray_local": RAY,
        "ray": RAY,
    },
    "hydra/sweeper": {"optuna": OPTUNA},
    "hparams_search": {"none": None, "*": OPTUNA},  # every search runs on the Optuna sweeper
}


def missing_plugin(overrides: Iterable[str]) -> str | None:
    """The message for the first override whose plugin is not installed, else None.

    Parameters
    ----------
    overrides : iterable of str
        Command-line arguments, e.g. ``["-m", "hydra/launcher=slurm", "model=svm"]``.
    """
    for override in overrides:
        group, _, option = override.lstrip("+~").partition("=")
        needs = NEEDS.get(group, {})
        plugin = needs.get(option, needs.get("*"))
        if plugin is not None and importlib.util.find_spec(plugin.module) is None:
            return (
                f"{group}={option} needs the {plugin.module.split('.')[-1]} plugin: "
                f'pip install "bankruptcy[{plugin.extra}]" (or pip install -e ".[{plugin.extra}]")'
            )
    return None


def composition_error(error: ConfigCompositionException, overrides: Iterable[str]) -> str:
    """One line for an override Hydra could not apply; other composition errors as Hydra says.

    Parameters
    ----------
    error : ConfigCompositionException
        What composing the config raised.
    overrides : iterable of str
        The command-line arguments.
    """
    key = getattr(error.__cause__, "full_key", None)
    if not key or "not in struct" not in str(error.__cause__):
        return str(error)
    given = next((o for o in overrides if o.partition("=")[0] == key), key)
    group, _, option = key.rpartition(".")
    return (
        f"{given}: {group or 'the config'} has no option {option!r}; list its options with "
        f"python -m bankruptcy.run --cfg job --package {group or '_global_'}"
    )
