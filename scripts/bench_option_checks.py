"""What the up-front option checks cost: the command's start-up, and each component's checks.

    python scripts/bench_option_checks.py               # 3 rounds
    python scripts/bench_option_checks.py --repeats 5

1. The command: ``python -m bankruptcy.run --cfg job`` (imports and composition, no job) against
   the issue's five bad options, each stopping with its one-line error (data folder absent).
   Median wall and CPU (user + system) seconds per command, and the ratio to ``--cfg job``.
2. In-process, per model: building the job up to the data with every check (dry-fit cache
   empty, then warm) against the same build with the checks turned off; the difference is
   what the checks cost before a job reads its data. Then each dry fit alone (cold) and the
   missing-value probe of two presets.
No data is read. On a shared machine wall times measure the neighbours too: compare ratios
and CPU seconds taken in the same run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ABSENT = "paths.data_dir=/nonexistent/bankruptcy-data"
EXAMPLES = {
    "model=mlp model.dropout=2": ["model=mlp", "model.dropout=2"],
    "model=lightgbm model.num_leaves=1": ["model=lightgbm", "model.num_leaves=1"],
    "objective=cv/roc": ["objective=cv/roc"],
    "threshold=fixed threshold.value=2": ["threshold=fixed", "threshold.value=2"],
    "model=xgboost sampler=smote": ["model=xgboost", "sampler=smote"],
}
MODELS = ["gradient_boosting", "mlp", "lightgbm", "xgboost", "catboost", "stacking", "voting"]


def command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m bankruptcy.run <args>`` (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bankruptcy.run", *args, "logger=none", ABSENT],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return tuple(statistics.median(values) for values in zip(*runs, strict=True))


@contextmanager
def checks_off():
    """The builder without its option checks (what a build cost before them)."""
    from bankruptcy.experiment import builder, job

    off = lambda *args, **kwargs: None  # noqa: E731
    with (
        mock.patch.object(builder, "validate_parameters", off),
        mock.patch.object(builder, "validate_call", off),
        mock.patch.object(builder, "check_combinations", off),
        mock.patch.object(job, "check_settings", off),
    ):
        yield


def build_seconds(cfg) -> float:
    """Seconds `run_job` takes to get to the data (the loader is replaced by a stop)."""
    from bankruptcy.experiment import builder
    from bankruptcy.experiment.job import JobInfo, run_job

    class Stop(Exception):
        pass

    def stop(node):
        raise Stop

    start = time.perf_counter()
    with mock.patch.object(builder, "build_dataset", stop):
        try:
            run_job(cfg, JobInfo(Path("/nonexistent/job")))
        except Stop:
            pass
    return time.perf_counter() - start


def in_process(repeats: int) -> None:
    from bankruptcy.experiment import dryfit
    from bankruptcy.experiment.builder import build_pipeline, component
    from bankruptcy.experiment.combinations import check_missing_values
    from tests.conftest import compose_config

    print("\nBuild up to the data, per model (median s): checked cold / warm, unchecked, cost")
    for model in MODELS:
        cfg = compose_config([f"model={model}", "logger=none", ABSENT])
        build_seconds(cfg)  # imports the model's libraries once, outside the timing
        cold, warm, bare = [], [], []
        for _ in range(repeats):
            dryfit._outcomes.clear()
            cold.append(build_seconds(cfg))
            warm.append(build_seconds(cfg))
            with checks_off():
                bare.append(build_seconds(cfg))
        c, w, b = (statistics.median(x) for x in (cold, warm, bare))
        print(f"  {model:18s} {c:6.3f} {w:6.3f} {b:6.3f}   +{c - b:.3f} cold, +{w - b:.3f} warm")

    print("\nDry fit of one model on the synthetic rows, cold (median s)")
    for model in ("lightgbm", "xgboost", "catboost"):
        estimator = component("model", compose_config([f"model={model}"]).model)
        seconds = []
        for _ in range(repeats):
            dryfit._outcomes.clear()
            start = time.perf_counter()
            dryfit.dry_fit_error(estimator, {})
            seconds.append(time.perf_counter() - start)
        print(f"  {model:18s} {statistics.median(seconds):6.3f}")

    print("\nMissing-value probe of the steps before the model (median s)")
    for preset in ("default", "none"):
        pipeline = build_pipeline(compose_config([f"preprocess={preset}", "model=dummy"]))
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            check_missing_values(pipeline, {})
            seconds.append(time.perf_counter() - start)
        print(f"  preprocess={preset:8s} {statistics.median(seconds):6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every measurement")
    args = parser.parse_args()

    print("Command (median wall s, CPU s, ratio of wall to --cfg job)")
    baseline = median_of([command(["--cfg", "job"]) for _ in range(args.repeats)])
    print(f"  {'--cfg job':36s} {baseline[0]:6.2f} {baseline[1]:6.2f}  1.00x")
    for name, overrides in EXAMPLES.items():
        wall, cpu = median_of([command(overrides) for _ in range(args.repeats)])
        print(f"  {name:36s} {wall:6.2f} {cpu:6.2f}  {wall / baseline[0]:.2f}x")
    in_process(args.repeats)


if __name__ == "__main__":
    main()
