"""OmegaConf resolvers the configs use, registered when the package is imported.

- ``${metric_direction:<metrics.json key>}``: ``maximize`` or ``minimize`` from the metric
  registry (`bankruptcy.evaluation.metrics.direction`), e.g. the Optuna sweeper's direction
  for ``objective=cv/brier``.

Registered by ``bankruptcy/__init__.py`` so every process that composes or resolves a config
(the entrypoint, launcher workers running the sweep callback, tests) has them.
"""

from __future__ import annotations

from omegaconf import OmegaConf


def metric_direction(key: str) -> str:
    """``maximize`` or ``minimize`` for metrics.json key `key`."""
    from bankruptcy.evaluation.metrics import direction  # scikit-learn loads only when used

    return direction(key)


def register() -> None:
    """Register the resolvers (idempotent)."""
    OmegaConf.register_new_resolver("metric_direction", metric_direction, replace=True)
