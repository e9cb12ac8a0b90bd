"""Benchmark: scoring in process with ONNX Runtime against the scikit-learn pipeline.

For the default package (gradient boosting on the default preset), logistic regression and
LightGBM on Polish year 1 (trained here, or given as job dirs), each exported with
``python -m bankruptcy.export``:

1. one row: the score alone (``ModelPackage.scores``) and the whole package path
   (contract check + predict), p50 and p99 over `--seconds` of calls: goal ONNX <= 0.5 ms for the
   default package's score;
2. 1,000-row batches: rows/s;

each with the ratio ONNX / scikit-learn measured in the same run, one native thread.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_onnx.py [--seconds 5]
    python scripts/bench_onnx.py --jobs outputs/runs/<date>/<time> ...

Run it alone on a quiet machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("gradient_boosting", "logistic", "lightgbm")
JOB = ["dataset=polish", "dataset.year=1", "interpret=none", "plots=none", "bootstrap=none",
       "logger=none"]  # fmt: skip


def train(model: str, out: Path) -> Path:
    """A job on Polish year 1, exported to ONNX; returns its dir."""
    command = [sys.executable, "-m", "bankruptcy.run", f"model={model}", *JOB,
               f"hydra.run.dir={out}"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return out


def export(job: Path) -> None:
    command = [sys.executable, "-m", "bankruptcy.export", str(job), str(job / "bench.onnx")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    print("  " + done.stdout.strip())


def timed(call, budget: float, most: int = 5000) -> np.ndarray:
    """Seconds per call of `call()`: calls for `budget` seconds (at most `most`), after warm-up."""
    for _ in range(5):
        call()
    seconds = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end and len(seconds) < most:
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return np.asarray(seconds)


def bench(job: Path, seconds: float) -> dict:
    from sklearn import config_context

    from bankruptcy.serving.onnx_runtime import use_runtime
    from bankruptcy.serving.registry import open_model

    figures = {}
    reference, _ = open_model(str(job)).reference()
    one, batch = reference.head(1), reference.sample(1000, replace=True, random_state=0)
    for runtime in ("sklearn", "onnx"):
        package = use_runtime(open_model(str(job)), runtime)
        checked = package.contract.check(one)
        with config_context(skip_parameter_validation=True):  # as the service does
            score = timed(lambda p=package, c=checked: p.scores(c.X), seconds)
            path = timed(lambda p=package: p.predict(p.contract.check(one)), seconds)
            rows = timed(lambda p=package: p.scores(batch), seconds)
        figures[runtime] = {
            "score_p50_ms": 1e3 * np.percentile(score, 50),
            "score_p99_ms": 1e3 * np.percentile(score, 99),
            "package_p50_ms": 1e3 * np.percentile(path, 50),
            "batch_rows_per_s": 1000 / np.median(rows),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--jobs", nargs="*", help="job dirs to use instead of training")
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    with tempfile.TemporaryDirectory() as scratch:
        if args.jobs:
            jobs = {Path(j).name: Path(j) for j in args.jobs}
        else:
            jobs = {m: train(m, Path(scratch) / m) for m in MODELS}
        for name, job in jobs.items():
            print(f"{name} ({job})")
            if not (job / "bench.onnx").exists():
                export(job)
            with threadpool_limits(limits=1):
                figures = bench(job, args.seconds)
            sk, ox = figures["sklearn"], figures["onnx"]
            units = {"score_p50_ms": "ms", "score_p99_ms": "ms", "package_p50_ms": "ms",
                     "batch_rows_per_s": "rows/s"}  # fmt: skip
            for key, unit in units.items():
                print(f"  {key:18s} sklearn {sk[key]:10.3f}  onnx {ox[key]:10.3f} {unit:7s}"
                      f"  onnx/sklearn {ox[key] / sk[key]:.3f}")  # fmt: skip
            goal = "met" if ox["score_p50_ms"] <= 0.5 else "NOT met"
            print(f"  goal one row <= 0.5 ms (ONNX score p50): {goal}")


if __name__ == "__main__":
    main()
