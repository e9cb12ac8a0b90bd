"""Benchmark: model=ebm against the default LightGBM on Polish year 5, in one run on this machine.

Against the goals of issue 31:

1. A full job of each (``python -m bankruptcy.run`` with the model's defaults: 5-fold CV, refit,
   calibration, analyses, package; no tracking): wall seconds and their ratio, goal EBM <= 5x.
2. One row scored in-process through each package (``ModelPackage.scores``, median of 300
   calls), and the same row through InterpretML's own ``predict_proba`` on the fitted EBM.
3. Exactness on the job's test rows: max |intercept + sum of the term contributions - the
   model's log-odds| (goal <= 1e-9), and our scoring against the library's
   ``decision_function`` (to rounding).
4. ONNX parity of the EBM package (``python -m bankruptcy.export``'s check on its reference
   and extreme rows, goal <= 1e-5).

One-row latency over HTTP is ``scripts/bench_serving.py --models ebm`` (goal p50 <= 5 ms).

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_ebm.py [--year 5] [--keep DIR]

Run it alone on a quiet machine: the jobs use every core (folds fitted side by side).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
JOB = ["dataset=polish", "logger=none"]


def timed_job(model: str, year: int, out: Path) -> float:
    """Wall seconds of one job of `model` (its config's defaults) into `out`."""
    command = [sys.executable, "-m", "bankruptcy.run", f"model={model}", f"dataset.year={year}",
               *JOB, f"hydra.run.dir={out}"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_ms(call, calls: int = 300) -> float:
    call()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the jobs here (default: a temp dir)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bankruptcy.data.polish import load_polish
    from bankruptcy.serving import onnx_export
    from bankruptcy.serving.package import ModelPackage

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_ebm_"))
    seconds = {m: timed_job(m, args.year, root / m) for m in ("lightgbm", "ebm")}
    ratio = seconds["ebm"] / seconds["lightgbm"]
    verdict = "met" if ratio <= 5 else "missed"
    print(f"1. full job, Polish year {args.year}: LightGBM {seconds['lightgbm']:.1f} s, "
          f"EBM {seconds['ebm']:.1f} s: {ratio:.1f}x (goal <= 5x: {verdict})")  # fmt: skip

    packages = {m: ModelPackage.load(root / m / "package") for m in seconds}
    ebm = packages["ebm"]
    model = ebm.pipeline[-1]
    test = pd.read_csv(root / "ebm" / "predictions.csv")["row"]
    X = load_polish(args.year).X.loc[test, ebm.contract.names].reset_index(drop=True)
    row = X.iloc[[0]]
    values = ebm.model_rows(row).to_numpy(np.float64)
    times = {name: median_ms(lambda p=p: p.scores(row)) for name, p in packages.items()}
    library = median_ms(lambda: model.ebm_.predict_proba(values))
    print(f"2. one row in-process: EBM package {times['ebm']:.2f} ms, LightGBM package "
          f"{times['lightgbm']:.2f} ms, InterpretML's predict_proba {library:.2f} ms")  # fmt: skip

    rows = ebm.model_rows(X)
    logit = model.decision_function(rows)
    gap = np.max(np.abs(model.intercept_ + model.contributions(rows).sum(axis=1) - logit))
    own = np.max(np.abs(logit - model.ebm_.decision_function(rows.to_numpy(np.float64))))
    print(f"3. {len(X)} test rows: max |intercept + contributions - log-odds| {gap:.2g} "
          f"(goal <= 1e-9: {'met' if gap <= 1e-9 else 'missed'}); against the library's "
          f"decision_function {own:.2g}")  # fmt: skip

    exported = onnx_export.export(ebm)
    delta = exported.max_abs_diff
    print(f"4. ONNX parity on {exported.rows} rows: max |delta p_bankrupt| {delta:.2g} "
          f"(goal <= 1e-5: {'met' if delta <= 1e-5 else 'missed'})")  # fmt: skip
    print(f"jobs in {root}")


if __name__ == "__main__":
    main()
