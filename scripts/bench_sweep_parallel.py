"""Wall-clock of one sweep run sequentially vs with the joblib launcher, and their ratio.

    python scripts/bench_sweep_parallel.py                       # experiment=polish_benchmark
    python scripts/bench_sweep_parallel.py --n-jobs 2 --experiment qualitative_benchmark
    python scripts/bench_sweep_parallel.py -- logger=none        # extra overrides after --

Both runs use the same command apart from the launcher, in fresh sweep dirs under --out, and
must give the same leaderboard numbers (same config + seed); the script checks that too.
A control measured in the same run (a pure-Python CPU loop, twice in a row vs in two joblib
workers) shows how much parallelism the machine offers at that moment: on a shared machine
the sweep's speed-up cannot exceed it. Each job is held to one thread (OMP_NUM_THREADS=1 etc.,
unless already set) so the figure measures job-level parallelism; OpenMP models
(HistGradientBoosting) otherwise also use every core in the sequential run, and slow down
badly when the machine is shared.
Needs BANKRUPTCY_DATA_DIR. Measured figures: experiments/polish_benchmark/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bankruptcy.sweep.leaderboard import sweep_settings

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run(sweep_dir: Path, overrides: list[str]) -> float:
    """Run one multirun to completion; return its wall-clock seconds."""
    command = [sys.executable, "-m", "bankruptcy.run", "-m", f"hydra.sweep.dir={sweep_dir}"]
    env = {**{var: "1" for var in THREAD_VARS}, **os.environ}
    start = time.perf_counter()
    done = subprocess.run(command + overrides, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"sweep failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr}")
    return seconds


def _spin(n: int = 20_000_000) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def control(n_jobs: int) -> float:
    """Speed-up of `n_jobs` pure CPU tasks in joblib workers over running them in a row."""
    from joblib import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(abs)(0) for _ in range(n_jobs))  # start the workers first
    start = time.perf_counter()
    for _ in range(n_jobs):
        _spin()
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    Parallel(n_jobs=n_jobs)(delayed(_spin)() for _ in range(n_jobs))
    return sequential / (time.perf_counter() - start)


def leaderboard(sweep_dir: Path, objective: str, key: str = "overrides") -> pd.Series:
    """Objective per job (keyed by its `key` column) from the sweep's leaderboard.csv."""
    table = pd.read_csv(sweep_dir / "leaderboard.csv")
    if (table["status"] != "ok").any():
        sys.exit(f"{sweep_dir}: not every job succeeded; see its leaderboard.md")
    return table.set_index(key)[objective].sort_index()


def same_scores(a: pd.Series, b: pd.Series) -> bool:
    """Whether two `leaderboard` results hold the same jobs with the same objective."""
    return a.index.equals(b.index) and bool(((a - b).abs() < 1e-9).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experiment", default="polish_benchmark")
    parser.add_argument("--n-jobs", type=int, default=2, help="joblib workers (default 2)")
    parser.add_argument("--out", type=Path, help="keep the sweeps here (default: a temp dir)")
    parser.add_argument("overrides", nargs="*", help="extra overrides for both runs")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    for name in ("sequential", "parallel"):
        shutil.rmtree(out / name, ignore_errors=True)
    overrides = [f"experiment={args.experiment}", *args.overrides]
    parallel = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={args.n_jobs}"]

    before = control(args.n_jobs)
    t_seq = run(out / "sequential", overrides)
    t_par = run(out / "parallel", overrides + parallel)
    after = control(args.n_jobs)

    objective, _ = sweep_settings(out / "sequential")
    seq, par = leaderboard(out / "sequential", objective), leaderboard(out / "parallel", objective)
    same = same_scores(seq, par)
    threads = os.environ.get("OMP_NUM_THREADS", "1")
    print(f"experiment={args.experiment}: {len(seq)} jobs, {os.cpu_count()} CPUs, out={out}")
    print(f"threads per job    : OMP_NUM_THREADS={threads}")
    print(f"sequential         : {t_seq:8.1f} s")
    print(f"joblib n_jobs={args.n_jobs:<5}: {t_par:8.1f} s")
    print(f"speed-up           : {t_seq / t_par:8.2f}x")
    print(f"same leaderboard   : {'yes' if same else 'NO'} ({objective})")
    print(f"control CPU loop   : {before:8.2f}x before, {after:.2f}x after (machine's free cores)")
    if args.out is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
