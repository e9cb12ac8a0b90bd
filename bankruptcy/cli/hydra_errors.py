"""What the entrypoint checks around Hydra: a mistake on the command line is one clear line.

Hydra composes the config before any of our code runs, so two kinds of mistakes would
surface as Hydra's own multi-line errors:

- a launcher or sweeper whose plugin (or the library it runs on) lives in an optional extra
  ("Could not load 'hydra/launcher/submitit_slurm'"): `missing_plugin` names the extra to
  install;
- a mistake in the overrides themselves: an option a component does not have (``model.Cc=1``:
  "Could not override ... Key 'Cc' is not in struct"), a group option that does not exist
  (``model=svn``) or an override Hydra cannot parse (``model.C==1``): `composition_error`
  names the override and the fix in one line.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass

from hydra.errors import MissingConfigException, OverrideParseException

GRAMMAR = "see https://hydra.cc/docs/advanced/override_grammar/basic/"


@dataclass(frozen=True)
class Plugin:
    """What a Hydra option needs: the module it imports and the extra of this project that
    installs it (a plugin, or a library our own plugin runs on)."""

    module: str
    extra: str

    @property
    def name(self) -> str:
        """``the hydra_optuna_sweeper plugin`` or ``the ray package``."""
        if self.module.startswith("hydra_plugins."):
            return f"the {self.module.split('.')[-1]} plugin"
        return f"the {self.module} package"


SUBMITIT = Plugin("hydra_plugins.hydra_submitit_launcher", "slurm")
RAY = Plugin("ray", "ray")  # our launcher (hydra_plugins/bankruptcy_ray_launcher) runs on it
OPTUNA = Plugin("hydra_plugins.hydra_optuna_sweeper", "optuna")

#: Config group -> option -> plugin it needs ("*": every other option of the group).
NEEDS: dict[str, dict[str, Plugin | None]] = {
    "hydra/launcher": {
        "slurm": SUBMITIT,
        "submitit_slurm": SUBMITIT,
        "submitit_processes": SUBMITIT,
        "submitit_local": SUBMITIT,
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
                f"{group}={option} needs {plugin.name}: "
                f'pip install "bankruptcy[{plugin.extra}]" (or pip install -e ".[{plugin.extra}]")'
            )
    return None


def composition_error(error: Exception, overrides: Iterable[str]) -> str:
    """One line for a command line Hydra could not compose, naming the override and the fix.

    Parameters
    ----------
    error : ConfigCompositionException or OverrideParseException
        What composing the config raised.
    overrides : iterable of str
        The command-line arguments.
    """
    overrides = list(overrides)
    if isinstance(error, OverrideParseException):
        lines = [line.strip() for line in str(error).splitlines()]
        reason = next((x for x in lines if x and not x.startswith(("Error parsing", "See "))), "")
        return f"{error.override}: not an override Hydra can read ({reason}); {GRAMMAR}"
    if isinstance(error, MissingConfigException) and error.options:
        group, _, option = str(error.missing_cfg_file).rpartition("/")
        given = next((o for o in overrides if o.lstrip("+~").partition("=")[0] == group), None)
        return (
            f"{given or f'{group}={option}'}: {group} has no option {option!r}; choose from "
            f"{', '.join(error.options)}"
        )
    key = getattr(error.__cause__, "full_key", None)
    if key and "not in struct" in str(error.__cause__):
        given = next((o for o in overrides if o.partition("=")[0] == key), key)
        group, _, option = key.rpartition(".")
        return (
            f"{given}: {group or 'the config'} has no option {option!r}; list its options with "
            f"python -m bankruptcy.run --cfg job --package {group or '_global_'}"
        )
    return next(line for line in [*str(error).splitlines(), type(error).__name__] if line.strip())
