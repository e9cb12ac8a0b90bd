"""Benchmark: cost of the evaluation analyses (bootstrap CIs, plots, interpretation) of one job.

Polish year 1, ``model=gradient_boosting``, default preprocessing. Goal: the job with the analyses
on takes at most 2x the job with them off. Prints three figures:

1. the vectorised bootstrap against a per-resample loop of the registry's scikit-learn metrics
   (loop timed on 100 resamples and scaled), and against ``scipy.stats.bootstrap`` for the
   same work (ROC-AUC, 1000 resamples);
2. in one process, single-threaded (robust on a shared, busy machine): CPU seconds of
   ``run_experiment`` and of the analyses (computed and written) with the default config, and
   the ratio (experiment + analyses) / experiment;
3. with ``--jobs N``: N pairs of whole jobs in fresh processes (``python -m bankruptcy.run``,
   W&B offline), analyses on (defaults) vs ``bootstrap=none plots=none interpret=none``,
   alternating; median wall and CPU time and their ratios. Only meaningful on a quiet machine.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_analysis_cost.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bankruptcy.experiment.outputs import read_metrics

ROOT = Path(__file__).resolve().parents[1]
JOB = ["dataset=polish", "dataset.year=1", "model=gradient_boosting", "logger=wandb"]
SIDES = {"on": [], "off": ["bootstrap=none", "plots=none", "interpret=none"]}


def bootstrap_speed(n_rows: int = 1406, n_resamples: int = 1000) -> None:
    """Print the vectorised bootstrap's time against a loop of scikit-learn metric calls."""
    import numpy as np
    import scipy.stats
    from sklearn.metrics import roc_auc_score

    from bankruptcy.evaluation import metrics as M
    from bankruptcy.evaluation.bootstrap import BATCH_METRICS, Bootstrap

    rng = np.random.default_rng(0)  # Polish year-1 test size and bankruptcy rate
    y = (rng.random(n_rows) < 0.0386).astype(int)
    scores = 1 / (1 + np.exp(-(2 * rng.normal(size=n_rows) + 3 * y - 4)))
    boot = Bootstrap(n_resamples, seed=0)
    start = time.perf_counter()
    boot.intervals(y, scores, scores >= 0.5, BATCH_METRICS)
    vectorised = time.perf_counter() - start
    rows = boot.resample_indices(y, np.random.default_rng(0), 100)
    start = time.perf_counter()
    for r in rows:
        M.compute(list(BATCH_METRICS), y[r], scores[r], M.ScoreKind.PROBA)
    loop = (time.perf_counter() - start) * n_resamples / len(rows)
    print(
        f"bootstrap, {len(BATCH_METRICS)} metrics x {n_resamples} resamples x {n_rows} rows: "
        f"vectorised {vectorised:.2f} s, scikit-learn loop ~{loop:.1f} s "
        f"(x{loop / vectorised:.0f})",
        flush=True,
    )
    start = time.perf_counter()
    boot.intervals(y, scores, scores >= 0.5, {"roc_auc": BATCH_METRICS["roc_auc"]})
    ours = time.perf_counter() - start
    start = time.perf_counter()
    scipy.stats.bootstrap(
        (y, scores),
        roc_auc_score,
        paired=True,
        vectorized=False,
        n_resamples=n_resamples,
        method="percentile",
        random_state=0,
    )
    theirs = time.perf_counter() - start
    print(
        f"bootstrap, roc_auc x {n_resamples} resamples: vectorised {ours:.3f} s, "
        f"scipy.stats.bootstrap {theirs:.2f} s (x{theirs / ours:.0f})",
        flush=True,
    )


def in_process_ratio() -> None:
    """CPU seconds of the experiment and of the analyses, one thread, same process."""
    from hydra import compose, initialize_config_dir
    from threadpoolctl import threadpool_limits

    from bankruptcy.evaluation.experiment import run_experiment
    from bankruptcy.experiment.builder import build_experiment
    from bankruptcy.experiment.outputs import JobOutputs
    from bankruptcy.tracking.base import NullTracker

    data_dir = os.environ["BANKRUPTCY_DATA_DIR"]
    with initialize_config_dir(str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.data_dir={data_dir}", *JOB[:3], "logger=none"])
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        exp = build_experiment(cfg)
        result = run_experiment(exp.dataset, exp.pipeline, exp.split, exp.analyses.metric_names)
        experiment = time.process_time() - start
        start = time.process_time()
        JobOutputs(tmp, NullTracker()).artifacts(exp.analyses.run(result))
        analyses = time.process_time() - start
    print(
        f"in-process, 1 thread: experiment {experiment:.1f} s CPU, analyses {analyses:.1f} s CPU, "
        f"ratio {(experiment + analyses) / experiment:.2f} (goal <= 2)",
        flush=True,
    )


def run_once(extra: list[str], out: Path) -> dict[str, float]:
    """Run one job; return its wall time, CPU time and ``analysis_seconds``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bankruptcy.run", *JOB, *extra, f"hydra.run.dir={out}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    metrics = read_metrics(out)
    return {"wall": wall, "cpu": cpu, "analysis": metrics.get("analysis_seconds", float("nan"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=0, help="pairs of whole jobs to time")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the folder holding polish/1year.arff")
    bootstrap_speed()
    in_process_ratio()
    if args.jobs:
        whole_jobs(args.jobs)


def whole_jobs(repeats: int) -> None:
    """Time `repeats` pairs of whole jobs, analyses on and off."""
    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            for side, extra in SIDES.items():
                runs[side].append(run_once(extra, Path(tmp) / f"{side}{i}"))
                print(
                    f"repeat {i + 1} {side:>3}: "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in runs[side][-1].items()),
                    flush=True,
                )
    median = {
        side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()
    }
    for side, values in median.items():
        print(
            f"median {side:>3}: wall {values['wall']:.1f} s, CPU {values['cpu']:.1f} s, "
            f"analysis_seconds {values['analysis']:.1f} s"
        )
    print(
        f"ratio on/off: wall {median['on']['wall'] / median['off']['wall']:.2f}, "
        f"CPU {median['on']['cpu'] / median['off']['cpu']:.2f} (goal <= 2)"
    )


if __name__ == "__main__":
    main()
