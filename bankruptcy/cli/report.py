"""Leaderboard of a sweep on demand, and the one test-set evaluation of its best configuration.

Usage::

    python -m bankruptcy.report <sweep dir>                 # leaderboard.{csv,md,html,png}
    python -m bankruptcy.report <sweep dir> --wandb         # ... and a W&B sweep-summary run
    python -m bankruptcy.report <sweep dir> --rerun-best    # re-run the best job once -> best.md
    python -m bankruptcy.report <sweep dir> --record experiments/<study>   # lab-notebook copy
    python -m bankruptcy.report --across <sweep dir> <sweep dir> <sweep dir> --out <dir>

A search ranks jobs by a ``cv/`` objective only; ``--rerun-best`` re-runs the winner (same
overrides, same seed) into ``<sweep dir>/_best/``, checks that its CV objective reproduces and
writes its test metrics to ``<sweep dir>/best.md``.

``--across`` ranks the methods of sweeps run on several datasets (or horizons, or seeds):
mean ranks, Friedman and Iman-Davenport tests, Nemenyi and Holm post hoc, a critical-difference
diagram and the metric per dataset and method (docs/sweeps.md#rankings-across-datasets). A
dataset is told apart by ``--datasets`` (config keys, default ``dataset,seed``); a method is
what varies between the jobs of one dataset. Inputs may also be recorded studies
(``experiments/<study>`` with its leaderboard.csv).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bankruptcy.cli.common import run
from bankruptcy.sweep.report import (
    best_markdown,
    log_to_wandb,
    record,
    report,
    report_across,
    rerun_best,
)


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bankruptcy.report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sweep_dir", type=Path, nargs="?", help="a multirun dir (hydra.sweep.dir)")
    parser.add_argument("--objective", help="metric to rank by (default: the sweep's objective)")
    parser.add_argument("--top", type=int, default=10, help="rows printed (default 10)")
    parser.add_argument("--wandb", action="store_true", help="also log a sweep-summary run")
    parser.add_argument("--rerun-best", action="store_true", help="re-run the best job once")
    parser.add_argument("--record", type=Path, help="copy leaderboard + README into this dir")
    across = parser.add_argument_group("ranking across datasets")
    across.add_argument(
        "--across", type=Path, nargs="+", metavar="SWEEP_DIR", help="sweeps to rank together"
    )
    across.add_argument(
        "--datasets",
        type=lambda text: [k.strip() for k in text.split(",") if k.strip()],
        default=[],
        metavar="KEYS",
        help="config keys that tell datasets apart (default: dataset,seed)",
    )
    across.add_argument("--alpha", type=_share, default=0.05, help="significance (default 0.05)")
    across.add_argument(
        "--rope",
        type=_positive,
        help="also the Bayesian signed-rank test with this region of practical equivalence",
    )
    across.add_argument(
        "--out", type=Path, help="where to write (default outputs/across/<date>/<time>)"
    )
    args = parser.parse_args(argv)
    if (args.sweep_dir is None) == (args.across is None):
        parser.error("pass one sweep dir, or --across with the sweeps to rank together")
    if args.across and (args.wandb or args.rerun_best or args.record):
        parser.error("--wandb, --rerun-best and --record report on one sweep: not with --across")

    def act() -> None:
        if args.across:
            out = args.out or Path("outputs", "across", time.strftime("%Y-%m-%d/%H-%M-%S"))
            report_across(args.across, out, args.objective, args.datasets, args.alpha, args.rope)
            return
        board = report(args.sweep_dir, args.objective, args.top)
        if args.wandb:
            log_to_wandb(board)
        if args.rerun_best:
            print(best_markdown(rerun_best(board)))
        if args.record:
            print(f"Recorded: {record(board, args.record)}")

    return run(act)


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text}: use a level between 0 and 1, e.g. 0.05")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text}: use a positive width in the metric's units")
    return value
