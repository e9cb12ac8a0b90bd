"""Benchmark: recourse plans for the flagged test firms, our engine against dice-ml, in one run.

Cases (packages trained here, reused from ``--work`` when present):

- ``polish1``, ``polish5``: the default package (LightGBM) on Polish years 1 and 5;
- ``american``: a LightGBM package on the American firm-years whose pipeline derives the
  Altman and Ohlson ratios from the statement items X1..X18 (plans change the items, the
  ratios follow);
- ``scorecard``: ``model=scorecard`` on Polish year 1 (the exact search over its points table);
- ``ebm``: ``model=ebm`` on Polish year 1 (exact single changes from its shapes).

For a case whose search is exact (scorecard, ebm), ours also runs with the grid search on the
same package (``ours, grid``), and the ratio of their CPU seconds per firm is printed.

The firms are each case's hold-out test rows the package flags (PD at or above its decision
threshold). Methods, with the same constraints (the package's defaults: a firm's missing values
stay missing, immutable features fixed, each feature moved only the way that lowers the
bankrupt rate, values within the training 1st-99th percentile, 3 plans per firm):

- ``ours``: `bankruptcy.recourse.engine.Recourser` with its defaults (at most 3 changes; a
  second row with ``--more-changes`` for the coverage a larger budget buys);
- ``dice_random``, ``dice_genetic``, ``dice_kdtree``: dice-ml 0.12 on the first
  ``--dice-firms`` (kd-tree: ``--kdtree-firms`` of the ``--kdtree-cases``) flagged firms,
  given ``features_to_vary`` = the features our engine may move for the firm,
  ``permitted_range`` = the training 1st-99th percentile cut to the allowed direction, desired
  class 0 = PD below the target (the wrapper maps the PD to 0.5 at the target). dice-ml
  refuses missing values in a query: a gap gets the training median in a fixed feature and
  the model wrapper puts the gap back before scoring.

Figures per method (each plan re-scored through the package): validity (plans below the target
/ plans returned), coverage (firms with a valid plan / firms asked), median changed features
and median cost (interquartile ranges) of valid plans, in range (valid plans with every changed
value inside the training 1st-99th percentile), plausible (valid plans our plausibility test
accepts), median outlier score, and seconds per firm (p50 and p90 one firm at a time, one
core; ours also batched, and its CPU seconds: on a busy machine the wall time measures the
neighbours too). For ours: the share of flagged firms without a plan whose PD falls
below the target once their data gaps are filled, and the share one gap-filling alone would
"save" (the trap a gap-filling engine falls into). Then ``python -m bankruptcy.recourse`` on
10,000 and 30,000 rows: seconds and peak memory. The goals of issue 35 are printed beside.

    pip install --no-deps "dice-ml==0.12" "raiutils>=0.4"   # the extra recourse-bench
    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_recourse.py [--work DIR] \
        [--cases polish1,polish5,american,scorecard,ebm] [--dice-firms 20] [--kdtree-firms 1] \
        [--kdtree-cases polish1]

One core throughout (OpenMP and BLAS limited to one thread). Run it alone on a quiet machine.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy, LightGBM and friends load

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
JOB = ["interpret=none", "plots=none", "bootstrap=none", "logger=none", "threads=1"]
#: Each case's job overrides.
CASES = {
    "polish1": ["dataset=polish", "dataset.year=1"],
    "polish5": ["dataset=polish", "dataset.year=5"],
    "american": [
        "dataset=american",
        "dataset.file=american_bankruptcy_partial.csv",
        "preprocess/features=domain",
    ],
    "scorecard": ["dataset=polish", "dataset.year=1", "model=scorecard"],
    "ebm": ["dataset=polish", "dataset.year=1", "model=ebm"],
}
#: Cases whose figures carry the coverage goal (with the defaults, no gap filled).
COVERAGE_GOAL = {"polish1", "polish5"}
#: Seconds per firm (p50, one core) goals.
SPEED_GOAL = {"polish1": 0.050, "polish5": 0.050, "scorecard": 0.020}


def train(case: str, work: Path) -> Path:
    """The case's job dir under `work`, trained unless its package is there already."""
    out = work / case
    if not (out / "package" / "package.json").is_file():
        command = [sys.executable, "-m", "bankruptcy.run", *CASES[case], *JOB,
                   f"hydra.run.dir={out}"]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return out


def flagged_test_rows(job: Path, package) -> pd.DataFrame:
    """The job's hold-out test rows, contract order, that the package flags."""
    from bankruptcy.experiment.builder import build_dataset

    cfg = OmegaConf.load(job / ".hydra" / "config.yaml")
    dataset = build_dataset(cfg.dataset)
    rows = pd.read_csv(job / "predictions.csv")["row"]
    X = dataset.X.loc[rows, package.contract.names].astype(float).reset_index(drop=True)
    return X[package.scores(X) >= package.threshold].reset_index(drop=True)


def ours(recourser, X: pd.DataFrame, one_at_a_time: int) -> dict:
    """Our plans: batched over all firms, then the first `one_at_a_time` firms one by one
    (the timings a service sees)."""
    start = time.perf_counter()
    results = recourser.run(X)
    batched = (time.perf_counter() - start) / max(len(X), 1)
    seconds, cpu = [], []
    for i in range(min(one_at_a_time, len(X))):
        start, start_cpu = time.perf_counter(), time.process_time()
        recourser.run(X.iloc[[i]])
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    values = X.to_numpy(float)
    plans = []
    for x, found in zip(values, results, strict=True):
        rows = []
        for plan in found.plans if found.status == "plan" else []:
            row = x.copy()
            row[list(plan.features)] = plan.values
            rows.append(row)
        plans.append(rows)
    target = recourser.target
    flagged = [r for r in results if r.status != "not_needed"]
    gaps_only = sum(r.status == "infeasible" and r.gaps_pd < target for r in flagged)
    trap = sum(any(p < target for p in r.gaps.values()) for r in flagged)
    return {
        "plans": plans,
        "seconds": seconds,
        "cpu": cpu,
        "batched": batched,
        "gaps_only": gaps_only / max(len(flagged), 1),
        "trap": trap / max(len(flagged), 1),
    }


class DicePD:
    """The package as a dice-ml classifier: class 1 probability 0.5 at the target PD, the
    firm's gaps put back before scoring (dice-ml refuses missing values)."""

    def __init__(self, package, target: float):
        self.package, self.target = package, target
        self.names = package.contract.names
        self.gaps = np.zeros(len(self.names), bool)

    def _pd(self, frame) -> np.ndarray:
        values = np.asarray(frame, dtype=float).copy()
        values[:, self.gaps] = np.nan
        return self.package.scores(pd.DataFrame(values, columns=self.names))

    def predict_proba(self, frame) -> np.ndarray:
        p, t = self._pd(frame), self.target
        q = np.where(p < t, 0.5 * p / t, 0.5 + 0.5 * (p - t) / (1 - t))
        return np.column_stack([1 - q, q])

    def predict(self, frame) -> np.ndarray:
        return (self.predict_proba(frame)[:, 1] > 0.5).astype(int)


def dice(recourser, X: pd.DataFrame, method: str) -> dict:
    """dice-ml's plans for each firm of `X` under our constraints, one firm per call."""
    import dice_ml

    package, space = recourser.package, recourser.space
    names = space.names
    reference = recourser.basis.reference.replace([np.inf, -np.inf], np.nan)
    median = reference.median()
    train = reference.fillna(median)
    labels = package.reference_labels()
    train["y"] = labels.to_numpy() if labels is not None else 0
    wrapper = DicePD(package, recourser.target)
    data = dice_ml.Data(dataframe=train, continuous_features=names, outcome_name="y")
    model = dice_ml.Model(model=wrapper, backend="sklearn", model_type="classifier")
    explainer = dice_ml.Dice(data, model, method=method.removeprefix("dice_"))
    plans, seconds = [], []
    for x in X.to_numpy(float):
        wrapper.gaps = ~np.isfinite(x)
        vary, ranges = _dice_constraints(x, space)
        query = pd.DataFrame([np.where(wrapper.gaps, median.to_numpy(), x)], columns=names)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = explainer.generate_counterfactuals(
                    query, total_CFs=3, desired_class=0, features_to_vary=vary,
                    permitted_range=ranges, verbose=False,
                )  # fmt: skip
            frame = found.cf_examples_list[0].final_cfs_df
        except Exception:  # noqa: BLE001 -- dice-ml raises on firms it finds nothing for
            frame = None
        seconds.append(time.perf_counter() - start)
        rows = [] if frame is None else list(frame[names].to_numpy(float))
        for row in rows:
            row[wrapper.gaps] = np.nan
        plans.append(rows)
    return {"plans": plans, "seconds": seconds}


def _dice_constraints(x: np.ndarray, space) -> tuple[list[str], dict]:
    """Features to vary and their permitted ranges: our movable features the firm reports,
    within the training range cut to the allowed direction."""
    vary, ranges = [], {}
    for j, name in enumerate(space.names):
        if not (np.isfinite(x[j]) and space.movable[j]):
            continue
        low = space.low[j] if space.can_fall[j] else max(space.low[j], x[j])
        high = space.high[j] if space.can_rise[j] else min(space.high[j], x[j])
        if high > low:
            vary.append(name)
            ranges[name] = [float(low), float(high)]
    return vary, ranges


def judge(recourser, X: pd.DataFrame, found: dict) -> dict:
    """The figures of one method's plans for the firms of `X`."""
    space, plausibility, target = recourser.space, recourser.plausibility, recourser.target
    values = X.to_numpy(float)
    before = plausibility.scores(values)
    rows, firm = [], []
    for i, plans in enumerate(found["plans"]):
        rows += plans
        firm += [i] * len(plans)
    figures = {"firms": len(X), "plans": len(rows)}
    if rows:
        rows, firm = np.array(rows), np.array(firm)
        pd_after = recourser.score(rows)
        valid = pd_after < target
        start = values[firm]
        moved = ~((rows == start) | (np.isnan(rows) & np.isnan(start)))
        cost = np.nansum(np.where(moved, np.abs(rows - start) / space.spread, 0.0), axis=1)
        inside = ((rows >= space.low) & (rows <= space.high)) | ~moved
        outlier = plausibility.scores(rows)
        figures.update(
            validity=valid.mean(),
            coverage=len(set(firm[valid])) / len(X),
            changes=np.median(moved[valid].sum(axis=1)) if valid.any() else np.nan,
            cost=np.median(cost[valid]) if valid.any() else np.nan,
            in_range=inside[valid].all(axis=1).mean() if valid.any() else np.nan,
            plausible=plausibility.plausible(outlier, before[firm])[valid].mean()
            if valid.any()
            else np.nan,
            outlier=np.median(outlier[valid]) if valid.any() else np.nan,
        )
    else:
        figures.update(validity=np.nan, coverage=0.0, changes=np.nan, cost=np.nan,
                       in_range=np.nan, plausible=np.nan, outlier=np.nan)  # fmt: skip
    seconds = np.array(found["seconds"])
    figures["p50"] = float(np.median(seconds)) if len(seconds) else np.nan
    figures["p90"] = float(np.quantile(seconds, 0.9)) if len(seconds) else np.nan
    for key in ("batched", "gaps_only", "trap"):
        if key in found:
            figures[key] = found[key]
    if found.get("cpu"):  # CPU seconds: what a firm costs one core, whatever else runs
        figures["cpu_p50"] = float(np.median(found["cpu"]))
    return figures


def subset(found: dict, n: int) -> dict:
    """`found` restricted to its first `n` firms (the firms the slower methods were given)."""
    cut = {key: found[key][:n] for key in ("plans", "seconds", "cpu") if key in found}
    return {**found, **cut}


def row_text(name: str, f: dict) -> str:
    """One method's figures on one line."""
    text = (
        f"  {name:<13} firms {f['firms']:>4}  plans {f['plans']:>4}  validity {_pct(f['validity'])}"
        f"  coverage {_pct(f['coverage'])}  changes {f['changes']:>4.1f}  cost {f['cost']:>6.2f}"
        f"  in range {_pct(f['in_range'])}  plausible {_pct(f['plausible'])}"
        f"  outlier {f['outlier']:>4.2f}  s/firm p50 {f['p50']:.4f} p90 {f['p90']:.4f}"
    )
    if "batched" in f:
        text += f"  batched {f['batched']:.4f}"
    if "cpu_p50" in f:
        text += f"  cpu p50 {f['cpu_p50']:.4f}"
    return text


def _pct(value: float) -> str:
    return "   -  " if value is None or np.isnan(value) else f"{100 * value:5.1f}%"


def case_figures(case: str, job: Path, args) -> dict:
    """Run every method on the case's flagged firms; print and return the figures."""
    from bankruptcy.recourse.engine import Basis, Recourser, Settings
    from bankruptcy.recourse.search import GridSearch
    from bankruptcy.serving.registry import open_model

    package = open_model(str(job))
    X = flagged_test_rows(job, package)
    start = time.perf_counter()
    basis = Basis.of(package)
    basis_seconds = time.perf_counter() - start
    recourser = Recourser(package, basis=basis)
    print(f"\n{case}: {len(X)} flagged test firms (PD >= {recourser.target:.4f}); "
          f"search {recourser.search.name}; basis (trends, plausibility) "
          f"{basis_seconds:.1f} s")  # fmt: skip
    mine = ours(recourser, X, args.latency_firms)
    figures = {"ours": judge(recourser, X, mine)}
    print(row_text("ours", figures["ours"]))
    if recourser.search.name != "grid":  # an exact search: against the grid on the package
        grid = Recourser(package, basis=basis)
        grid.search = GridSearch(grid.search.score, grid.space, basis.reference.to_numpy(float),
                                 grid.settings.max_changes)  # fmt: skip
        figures["ours_grid"] = judge(grid, X, ours(grid, X, args.latency_firms))
        print(row_text("ours, grid", figures["ours_grid"]))
        print(f"    exact search / grid, CPU s per firm p50: "
              f"{figures['ours']['cpu_p50'] / figures['ours_grid']['cpu_p50']:.2f}")  # fmt: skip
    if args.more_changes:
        settings = Settings(max_changes=args.more_changes)
        more = ours(Recourser(package, settings, basis=basis), X, 0)
        print(row_text(f"ours, <= {args.more_changes}", judge(recourser, X, more)))
    print(f"    ours: flagged firms without a plan below the target only if their gaps are "
          f"filled {_pct(mine['gaps_only'])}; one gap filled alone would 'save' "
          f"{_pct(mine['trap'])}")  # fmt: skip
    methods = [m for m in args.methods.split(",") if m]
    n_dice = min(args.dice_firms, len(X))
    if methods and n_dice:
        figures["ours_subset"] = judge(recourser, X.head(n_dice), subset(mine, n_dice))
        print(row_text("ours (same)", figures["ours_subset"]))
    for method in methods:
        n = min(args.kdtree_firms if method == "dice_kdtree" else n_dice, len(X))
        if method == "dice_kdtree" and case not in args.kdtree_cases.split(","):
            continue
        if n == 0:
            continue
        found = dice(recourser, X.head(n), method)
        figures[method] = judge(recourser, X.head(n), found)
        print(row_text(method, figures[method]))
    return figures


def goals(case: str, figures: dict) -> None:
    """Print the issue's goals against the figures of `case`."""
    mine = figures["ours"]
    checks = [
        ("validity 100 %", mine["validity"] == 1.0),
        ("median <= 2 changes", mine["changes"] <= 2),
        ("changed values in the 1st-99th percentile", mine["in_range"] == 1.0),
    ]
    if case in COVERAGE_GOAL:
        checks.append(("coverage >= 95 %", mine["coverage"] >= 0.95))
    if case in SPEED_GOAL:
        checks.append((f"p50 <= {SPEED_GOAL[case] * 1e3:g} ms per firm (wall)",
                       mine["p50"] <= SPEED_GOAL[case]))  # fmt: skip
        checks.append((f"p50 <= {SPEED_GOAL[case] * 1e3:g} ms per firm (CPU)",
                       mine["cpu_p50"] <= SPEED_GOAL[case]))  # fmt: skip
    random = figures.get("dice_random")
    if random is not None:
        same = figures["ours_subset"]
        ratio = random["p50"] / same["p50"]
        at_least = same["validity"] >= random["validity"] and same["changes"] <= random["changes"]
        checks.append((f">= 20x faster than dice random ({ratio:.0f}x) at >= validity, <= "
                       "changes", ratio >= 20 and at_least))  # fmt: skip
    for text, met in checks:
        print(f"    goal {text}: {'met' if met else 'NOT met'}")


def many_rows(job: Path, work: Path, rows: int) -> None:
    """``python -m bankruptcy.recourse`` on `rows` rows of Polish year 1: time, peak memory."""
    from bankruptcy.data.polish import load_polish

    data = load_polish(1).X
    source = work / f"rows_{rows}.csv"
    sample = data.sample(rows, replace=True, random_state=0).reset_index(drop=True)
    sample.insert(0, "firm", [f"firm-{i}" for i in range(rows)])
    sample.to_csv(source, index=False)
    target = work / f"plans_{rows}.csv"
    target.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bankruptcy.recourse", str(job), str(source), str(target),
               "--threads", "1", "--quiet"]  # fmt: skip
    start = time.perf_counter()
    peak = peak_kib(command)
    seconds = time.perf_counter() - start
    lines = sum(1 for _ in target.open()) - 1
    print(f"  recourse on {rows:,} rows: {seconds:.1f} s ({seconds / rows * 1e3:.2f} ms/row), "
          f"{lines:,} lines, peak memory {peak / 2**10:.0f} MiB")  # fmt: skip


def peak_kib(command: list[str]) -> int:
    """Peak resident memory (KiB) of one child process run to the end, started by a small
    Python of its own (a child forked from this process would start with its pages)."""
    probe = (
        "import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "_, status, usage = os.wait4(child.pid, 0); print(usage.ru_maxrss); "
        "sys.exit(os.waitstatus_to_exitcode(status))"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="folder of the trained jobs (default: temp)")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, of CASES")
    parser.add_argument("--methods", default="dice_random,dice_genetic,dice_kdtree",
                        help="dice-ml methods to compare (empty: ours only)")  # fmt: skip
    parser.add_argument("--dice-firms", type=int, default=20, help="firms per dice-ml method")
    parser.add_argument("--kdtree-firms", type=int, default=1, help="firms for dice kd-tree")
    parser.add_argument("--kdtree-cases", default="polish1",
                        help="cases dice kd-tree runs on (~100 s a firm)")  # fmt: skip
    parser.add_argument("--rows", default="10000,30000", help="rows of the command runs")
    parser.add_argument("--latency-firms", type=int, default=200,
                        help="firms ours plans one at a time (timings)")  # fmt: skip
    parser.add_argument("--more-changes", type=int, default=5,
                        help="also ours with this --max-changes (0: not)")  # fmt: skip
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_recourse_"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"load: {load:.2f} (1-min average) on {os.cpu_count()} cores; jobs in {work}")
    with threadpool_limits(limits=1):
        for case in args.cases.split(","):
            job = train(case, work)
            goals(case, case_figures(case, job, args))
        if "polish1" in args.cases.split(","):
            print("\ncommand line, polish1 package:")
            for rows in (int(r) for r in args.rows.split(",") if r):
                many_rows(work / "polish1", work, rows)
    print(f"\nload at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
