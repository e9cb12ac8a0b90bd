"""One sweep on the basic launcher, joblib and a local Ray: wall time and framework cost per job.

    python scripts/bench_sweep_ray.py                  # 16 jobs: 2 models x 8 seeds, Polish year 1
    python scripts/bench_sweep_ray.py --seeds 4        # 8 jobs
    python scripts/bench_sweep_ray.py -- protocol.n_splits=3   # extra overrides after --

The same multirun (logistic regression and a decision tree on Polish year 1, one job per seed,
analyses and logging off) runs once per launcher, in fresh sweep dirs: sequential (Hydra's
basic launcher), joblib (``hydra/launcher=parallel``, 2 workers) and Ray (``hydra/launcher=ray``,
a local instance of 2 CPUs started by the sweep command, 1 CPU per job). Printed per launcher:
the wall time of the whole command, and the framework's seconds per job = (slots x wall time -
the jobs' own seconds) / jobs, where a job's own seconds are its CV, refit, calibration and
analyses (``metrics.json``) and slots are the jobs the launcher runs at once (1, 2, 2): the
time a job's slot was busy with anything but the job itself (process and Ray start-up,
imports, reading the data, composing configs, writing records and the leaderboard), shared
out per job. Goals (issue 32): Ray's framework seconds per job <= 1.5 and its wall time <=
1.1x joblib's; every job's metrics identical to the basic launcher's (checked, all keys but
timings). The machine's load and a CPU-loop control (how much of 2 cores the machine gives
at that moment) are printed beside them: on a shared machine the figures are not a
launcher's alone.
Needs BANKRUPTCY_DATA_DIR and the ``ray`` extra.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import yaml
from bench_sweep_parallel import control, run

SWEEP = [
    "dataset=polish",
    "dataset.year=1",
    "model=logistic,decision_tree",
    "interpret=none",
    "plots=none",
    "bootstrap=none",
    "logger=none",
]
SLOTS = 2
JOBLIB = ["hydra/launcher=parallel", f"hydra.launcher.n_jobs={SLOTS}"]
RAY = ["hydra/launcher=ray", "hydra.launcher.num_cpus=1", f"hydra.launcher.local.num_cpus={SLOTS}"]
# launcher -> (its overrides, jobs it runs at once)
LAUNCHERS = {
    "basic (sequential)": ([], 1),
    f"joblib, {SLOTS} workers": (JOBLIB, SLOTS),
    f"Ray local, {SLOTS} CPUs": (RAY, SLOTS),
}
OWN = ("cv_seconds", "fit_seconds", "calibration_seconds", "analysis_seconds")


def jobs_metrics(sweep_dir: Path) -> dict[tuple[str, ...], dict]:
    """Each job's metrics.json, keyed by its overrides (order-free)."""
    found = {}
    for job in sweep_dir.glob("*/metrics.json"):
        overrides = yaml.safe_load((job.parent / ".hydra" / "overrides.yaml").read_text())
        found[tuple(sorted(overrides))] = json.loads(job.read_text())
    return found


def own_seconds(metrics: dict[tuple[str, ...], dict]) -> float:
    """The jobs' own work: CV, refit, calibration and analyses."""
    return sum(m.get(key, 0.0) for m in metrics.values() for key in OWN)


def scores(metrics: dict) -> dict:
    """All but the timings, which differ from run to run."""
    return {k: v for k, v in metrics.items() if not k.endswith("_seconds")}


def identical(a: dict, b: dict) -> bool:
    """Same jobs, same values (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = scores(a[key]), scores(b[key])
        if x.keys() != y.keys():
            return False
        for name, value in x.items():
            other = y[name]
            both_nan = isinstance(value, float) and math.isnan(value) and math.isnan(other)
            if value != other and not both_nan:
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds per model (default 8)")
    parser.add_argument("overrides", nargs="*", help="extra overrides for every launcher")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    sweep = [*SWEEP, "seed=" + ",".join(str(s) for s in range(1, args.seeds + 1))]
    sweep += args.overrides
    out = Path(tempfile.mkdtemp(prefix="bench_sweep_ray_"))
    load = os.getloadavg()
    free = control(SLOTS)
    results = {}
    for name, (launcher, slots) in LAUNCHERS.items():
        sweep_dir = out / name.split()[0].strip(",").lower()
        wall = run(sweep_dir, sweep + launcher)
        metrics = jobs_metrics(sweep_dir)
        own = own_seconds(metrics)
        results[name] = (wall, metrics, (slots * wall - own) / len(metrics))
        print(f"{name:<22} {wall:7.1f} s", flush=True)
    after = os.getloadavg()

    basic = results[next(iter(LAUNCHERS))][1]
    names = list(LAUNCHERS)
    jobs = len(basic)
    print(
        f"\n{jobs} jobs, {os.cpu_count()} CPUs; load average {load[0]:.2f} before, "
        f"{after[0]:.2f} after; control CPU loop {free:.2f}x on {SLOTS} workers"
    )
    print("| launcher | wall time | framework s/job | same metrics as basic |")
    print("|---|---:|---:|---|")
    for name in names:
        wall, metrics, per_job = results[name]
        same = "yes" if identical(metrics, basic) else "NO"
        print(f"| {name} | {wall:.1f} s | {per_job:.2f} s | {same} |")
    ray_wall, _, ray_per_job = results[names[2]]
    joblib_wall = results[names[1]][0]
    print(f"Ray wall time / joblib's: {ray_wall / joblib_wall:.2f}x (goal <= 1.1x)")
    print(f"Ray framework seconds per job: {ray_per_job:.2f} s (goal <= 1.5 s)")
    print(f"sweeps kept in {out}")


if __name__ == "__main__":
    main()
