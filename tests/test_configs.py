"""Every named study and search composes, and every point its sweeper may pick builds.

A broken `conf/experiment/*.yaml` or `conf/hparams_search/*.yaml` (a renamed option, a bound
scikit-learn refuses) is caught here, not an hour into a sweep. No data is read.
"""

from __future__ import annotations

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import IntervalSweep

from bankruptcy.experiment.builder import build_analyses, build_pipeline
from tests.conftest import compose_config
from tests.helpers import CONF_DIR

EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))
SEARCHES = sorted(p.stem for p in (CONF_DIR / "hparams_search").glob("*.yaml"))


def sweep_points(params: dict) -> list[str]:
    """One override per value a sweeper may pick: every choice, both ends of every interval."""
    parser = OverridesParser.create()
    points = []
    for key, values in params.items():
        sweep = parser.parse_overrides([f"{key}={values}"])[0].value()
        if isinstance(sweep, IntervalSweep):
            picked = [sweep.start, sweep.end]
        else:
            picked = list(sweep.list) if hasattr(sweep, "list") else [sweep]
        points += [
            f"{key}={'null' if v is None else str(v).lower() if isinstance(v, bool) else v}"
            for v in picked
        ]
    return points


def composes_and_builds(overrides: list[str]) -> None:
    cfg = compose_config(overrides)
    build_pipeline(cfg)
    build_analyses(cfg)


# every point of every sweep composed and built, its options dry-fitted: ~2.5 minutes on 2 cores,
# so in the full suite rather than the fast layer
@pytest.mark.slow
@pytest.mark.parametrize(
    "group, name",
    [("experiment", n) for n in EXPERIMENTS] + [("hparams_search", n) for n in SEARCHES],
)
def test_every_study_and_each_point_of_its_sweep_builds(group, name):
    base = [f"{group}={name}"]
    hydra = compose_config(base, return_hydra_config=True).hydra
    params = dict(hydra.sweeper.get("params") or {})
    composes_and_builds(base)
    for point in sweep_points(params):
        composes_and_builds([*base, point])


@pytest.mark.parametrize(
    "objective, direction",
    [("cv/pr_auc", "maximize"), ("cv/type1_error", "minimize"), ("cv/brier", "minimize")],
)
def test_search_direction_follows_the_objective(objective, direction):
    cfg = compose_config(
        ["hparams_search=logistic_optuna", f"objective={objective}"], return_hydra_config=True
    )
    assert cfg.hydra.sweeper.direction == direction
