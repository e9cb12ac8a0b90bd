"""The job's own settings (top-level keys of ``conf/config.yaml``), checked before it starts.

``seed``, ``preprocess_cache``, ``fail_soft`` and ``objective`` are typed here in
scikit-learn's constraint vocabulary, the one every component uses, so ``seed=abc`` reads
like ``model.C=-1``; the YAML stays their one definition (no schema repeats their defaults).
``threads`` and ``fold_jobs`` are checked where they are read (`bankruptcy.core.threads`).
"""

from __future__ import annotations

from difflib import get_close_matches
from functools import partial
from numbers import Integral

from omegaconf import DictConfig
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation import metrics as M
from bankruptcy.experiment.options import refused

SETTINGS: dict = {
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
    "preprocess_cache": ["boolean"],
    "fail_soft": ["boolean"],
    "objective": [str],
}


def check_settings(cfg: DictConfig) -> None:
    """Refuse a bad top-level setting or an objective the job does not report.

    Raises
    ------
    UserError
        ``seed=abc: The 'seed' parameter of the experiment config must be ...``, or the
        objective's valid choices.
    """
    given = {key: cfg[key] for key in SETTINGS if key in cfg}
    check = partial(validate_parameter_constraints, SETTINGS, given, "the experiment config")
    refused("", cfg, given, check)
    if "objective" in given:
        check_objective(given["objective"], M.check_names(cfg.metrics.names))


def objective_keys(names: list[str]) -> list[str]:
    """The metrics.json keys a sweeper may optimise: ``cv/<m>``, ``cv/<m>_std``, ``test/<m>``
    and, for decision metrics, ``test/<m>@threshold``."""
    keys = [f"cv/{name}" for name in names] + [f"cv/{name}_std" for name in names]
    keys += [f"test/{name}" for name in names]
    return keys + [f"test/{name}@threshold" for name in M.label_metrics(names)]


def check_objective(objective: str, names: list[str]) -> None:
    """Refuse an `objective` that is not a key `objective_keys` gives for metrics `names`."""
    keys = objective_keys(names)
    if objective in keys:
        return
    guess = get_close_matches(objective, keys, n=1)
    hint = f"did you mean objective={guess[0]}? " if guess else ""
    raise UserError(
        f"objective={objective}: not a metric of this job; {hint}use cv/<metric> or "
        f"test/<metric> with a metric of metrics.names ({', '.join(names)})"
    )
