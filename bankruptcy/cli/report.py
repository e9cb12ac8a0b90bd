"""Leaderboard of a sweep on demand, and the one test-set evaluation of its best configuration.

Usage::

    python -m bankruptcy.report <sweep dir>                 # leaderboard.{csv,md,html,png}
    python -m bankruptcy.report <sweep dir> --wandb         # ... and a W&B sweep-summary run
    python -m bankruptcy.report <sweep dir> --rerun-best    # re-run the best job once -> best.md
    python -m bankruptcy.report <sweep dir> --record experiments/<study>   # lab-notebook copy

A search ranks jobs by a ``cv/`` objective only; ``--rerun-best`` re-runs the winner (same
overrides, same seed) into ``<sweep dir>/_best/``, checks that its CV objective reproduces and
writes its test metrics to ``<sweep dir>/best.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bankruptcy.cli.common import run
from bankruptcy.sweep.report import best_markdown, log_to_wandb, record, report, rerun_best


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bankruptcy.report", description=__doc__)
    parser.add_argument("sweep_dir", type=Path, help="a multirun dir (hydra.sweep.dir)")
    parser.add_argument("--objective", help="metric to rank by (default: the sweep's objective)")
    parser.add_argument("--top", type=int, default=10, help="rows printed (default 10)")
    parser.add_argument("--wandb", action="store_true", help="also log a sweep-summary run")
    parser.add_argument("--rerun-best", action="store_true", help="re-run the best job once")
    parser.add_argument("--record", type=Path, help="copy leaderboard + README into this dir")
    args = parser.parse_args(argv)

    def act() -> None:
        board = report(args.sweep_dir, args.objective, args.top)
        if args.wandb:
            log_to_wandb(board)
        if args.rerun_best:
            print(best_markdown(rerun_best(board)))
        if args.record:
            print(f"Recorded: {record(board, args.record)}")

    return run(act)
