"""One job alone vs two at once on this machine: the project's thread sizing vs library defaults.

    python scripts/bench_oversubscription.py                         # gradient_boosting, 3 fits
    python scripts/bench_oversubscription.py --model lightgbm --set model.n_jobs=-1

Each job is a process fitting the model's pipeline (default preset, Polish year 1) on the first
`--fits` CV folds of the protocol, one after another, and printing its wall time. Every
variant is measured alone and as two identical processes started together; the slowdown is
(two at once) / (alone). On a machine with C cores and nothing else running, two jobs that
share it well take about 2x as long as one job alone with all C cores (and about 1x as long
as one job alone on its share): anything far above 2x is oversubscription.

Variants (threads = native OpenMP/BLAS threads per job):

- ``project``: the project's sizing: each job gets cores / (jobs at once) threads
  (`bankruptcy.core.threads.thread_share`, what the parallel launcher gives its workers) and OpenMP
  waits passively (``OMP_WAIT_POLICY=PASSIVE``, set by ``import bankruptcy``).
- ``all-passive``: every job takes all cores (two independent commands, each alone as far as
  it knows), passive waiting.
- ``all-default``: the libraries' defaults: all cores, libgomp's default spin-then-sleep wait.
- ``project-default``: the project's thread share with libgomp's default wait.

A job running past ``--timeout`` seconds is stopped and shown as ">timeout".
Needs BANKRUPTCY_DATA_DIR.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

VARIANTS = {  # name -> (thread sizing, OpenMP wait policy)
    "project": ("share", "passive"),
    "all-passive": ("all", "passive"),
    "all-default": ("all", "default"),
    "project-default": ("share", "default"),
}


def worker(args) -> None:
    """One job: `args.fits` pipeline fits, each on one CV fold; prints its wall seconds."""
    if args.wait == "default":
        # libgomp reads OMP_WAIT_POLICY once, when it is loaded: load every OpenMP runtime
        # (scikit-learn's own, the system's for LightGBM/XGBoost) before `import bankruptcy`
        # sets PASSIVE, so they keep libgomp's default.
        os.environ.pop("OMP_WAIT_POLICY", None)
        import lightgbm  # noqa: F401
        import sklearn.ensemble  # noqa: F401
    from hydra import compose, initialize_config_dir
    from threadpoolctl import threadpool_limits

    from bankruptcy.evaluation.experiment import fit_and_score
    from bankruptcy.experiment.builder import build_pipeline, build_split

    conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conf")
    with initialize_config_dir(os.path.abspath(conf), version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[
                f"paths.data_dir={os.environ['BANKRUPTCY_DATA_DIR']}",
                f"model={args.model}",
                *args.set,
            ],
        )
    dataset, split = build_split(cfg)
    pipeline = build_pipeline(cfg)
    start = time.perf_counter()
    with threadpool_limits(limits=args.threads):  # None: the libraries' own defaults
        for fit_rows, val_rows in split.folds[: args.fits]:
            fit_and_score(pipeline, dataset, fit_rows, val_rows)
    print(f"{time.perf_counter() - start:.3f}")


def run_jobs(variant: str, at_once: int, args) -> list[float | None]:
    """Start `at_once` identical jobs together; their wall seconds (None past the timeout)."""
    from bankruptcy.core.threads import thread_share

    sizing, wait = VARIANTS[variant]
    command = [sys.executable, __file__, "--worker", "--model", args.model, "--wait", wait]
    command += ["--fits", str(args.fits), *(["--set", *args.set] if args.set else [])]
    if sizing == "share":
        command += ["--threads", str(thread_share("auto", at_once))]
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if wait == "passive":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    jobs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(at_once)
    ]
    seconds = []
    for job in jobs:
        try:
            out, _ = job.communicate(timeout=args.timeout)
            seconds.append(float(out.strip().splitlines()[-1]))
        except subprocess.TimeoutExpired:
            job.kill()
            job.communicate()
            seconds.append(None)
    return seconds


def show(seconds: list[float | None], timeout: float) -> str:
    known = [s for s in seconds if s is not None]
    if len(known) < len(seconds):
        return f">{timeout:.0f}"
    return f"{sum(known) / len(known):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gradient_boosting")
    parser.add_argument("--fits", type=int, default=3, help="CV folds fitted per job")
    parser.add_argument("--set", nargs="*", default=[], help="extra config overrides")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--wait", default="passive", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    if args.worker:
        return worker(args)

    from bankruptcy.core.threads import available_cores, thread_share

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"model={args.model} {' '.join(args.set)}, {args.fits} fits per job, "
        f"{available_cores()} cores, load average {load}"
    )
    print("| variant | threads alone / each of two | alone s | two at once s (each) | slowdown |")
    print("|---|---|---:|---:|---:|")
    for variant in args.variants:
        threads = (
            f"{thread_share('auto', 1)} / {thread_share('auto', 2)}"
            if VARIANTS[variant][0] == "share"
            else f"{available_cores()} / {available_cores()}"
        )
        alone = run_jobs(variant, 1, args)
        together = run_jobs(variant, 2, args)
        ratio = (
            f"{sum(together) / len(together) / alone[0]:.2f}x"
            if None not in alone + together
            else "-"
        )
        print(
            f"| {variant} | {threads} | {show(alone, args.timeout)} | "
            f"{show(together, args.timeout)} | {ratio} |",
            flush=True,
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load}")


if __name__ == "__main__":
    main()
