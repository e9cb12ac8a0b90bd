"""Hydra's basic sweeper, composing each job's config once instead of twice.

A Hydra plugin (Hydra loads sweepers only from the ``hydra_plugins`` package), configured by
``conf/hydra/sweeper/basic_once.yaml`` and selected by the default ``hparams_search=none``.

Hydra's `BasicSweeper` composes every job's config to validate a batch before launching it
(so a bad override fails before any job runs), and the launcher then composes it again. One
composition of this project's config (~37 config files) takes ~0.2-0.25 s, a quarter of a
logistic regression job: `ComposeOnce` hands the launcher the config the validation composed.
"""

from __future__ import annotations

from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.types import HydraContext

#: Validated configs kept for the launcher (~0.26 MB each); later jobs of a bigger batch are
#: composed again, as with Hydra's own sweeper.
KEPT = 200


class ComposeOnce:
    """Config loader that serves a job's validated config to the launcher instead of recomposing.

    Every other call goes to the wrapped loader. Pickled (launchers that compose in worker
    processes: joblib, submitit, Ray), it is the plain loader again: workers compose their own
    job, and no process receives every job's config.

    Parameters
    ----------
    loader : hydra.core.config_loader.ConfigLoader
        Hydra's loader.
    """

    def __init__(self, loader) -> None:
        self._loader = loader
        self._validated: dict[tuple[str, ...], Any] = {}

    def validate(self, master_config, batch) -> None:
        """Compose each job of `batch` (Hydra's error for a bad override) and keep the configs.

        Configs of an earlier batch still kept (a launcher that composes in its workers) go.
        """
        self._validated.clear()
        for overrides in batch:
            config = self._loader.load_sweep_config(master_config, list(overrides))
            if len(self._validated) < KEPT:
                self._validated[tuple(overrides)] = config

    def load_sweep_config(self, master_config, sweep_overrides):
        """The launcher's config of one job: the validated one if kept, else composed now.

        Each kept config is handed out once: a launcher changes the config of the job it runs.
        """
        kept = self._validated.pop(tuple(sweep_overrides), None)
        if kept is not None:
            return kept
        return self._loader.load_sweep_config(master_config, sweep_overrides)

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def __reduce__(self):
        return (_same, (self._loader,))


def _same(loader):
    return loader


class ComposeOnceSweeper(BasicSweeper):
    """`BasicSweeper` (grid of the sweep overrides, in batches) with one composition per job."""

    def setup(self, *, hydra_context: HydraContext, task_function, config) -> None:
        self.loader = ComposeOnce(hydra_context.config_loader)
        context = HydraContext(self.loader, hydra_context.callbacks)
        super().setup(hydra_context=context, task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch) -> None:
        self.loader.validate(self.config, batch)
