"""Retrain a registered model on new labelled rows; promote it only if a statistical gate says so.

Examples::

    python -m bankruptcy.retrain polish labelled_2026.csv --labels bankrupt
    python -m bankruptcy.retrain polish labelled_2026.parquet --labels bankrupt --window 8000

NEW_DATA holds the model's feature columns and an outcome column, written as the champion's
training data wrote it (e.g. ``failed`` / ``alive``) or 0/1 (1 = bankrupt). The most recent
``--gate-share`` of the rows by their time column (``--time``, default the champion's, e.g.
``year``) is the gate's window; without a time column the window is a stratified random
share (the champion's seed): file order is never taken for time. The rest join the
champion's training rows (or, with ``--window N``, only the last N rows of both are kept).
The challenger is trained with the champion's own config, registered as ``challenger``, and becomes
``champion`` only when its ROC-AUC beats the champion's by more than ``--margin`` in a
one-sided paired DeLong test at p < ``--alpha``, with PR-AUC and Brier not worse beyond a
tolerance. The decision goes to ``<out>/decision.json``, onto both registry versions
(tag ``promotion_decision``) and to W&B. A serving ``models:/NAME@champion`` picks up a
promoted model within its ``--reload-seconds``. The gate needs a few thousand labelled rows to
tell a 0.03 ROC-AUC improvement apart (``scripts/bench_monitoring.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

from bankruptcy.cli.common import parser_for, run


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.retrain", __doc__)
    parser.add_argument("name", help="registered model name (its champion is challenged)")
    parser.add_argument("new_data", help="CSV/Parquet of new labelled rows, oldest first")
    parser.add_argument(
        "--labels", required=True, metavar="COLUMN", help="outcome column (training values or 0/1)"
    )
    parser.add_argument(
        "--time", metavar="COLUMN", help="time column ordering the rows (default the champion's)"
    )
    parser.add_argument("--gate-share", type=float, default=0.3, help="most recent share gated")
    parser.add_argument("--window", type=int, help="train on the last N rows only")
    parser.add_argument("--margin", type=float, default=0.005, help="ROC-AUC gain to beat")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level")
    parser.add_argument("--out", type=Path, help="output folder (default retrain-<time>)")
    parser.add_argument("--logger", choices=("wandb", "none"), default="wandb")
    args = parser.parse_args(argv)
    from bankruptcy.monitoring.retraining import retrain

    out = args.out or Path(time.strftime("retrain-%Y%m%d-%H%M%S"))

    def gate() -> None:
        record = retrain(
            args.name, args.new_data, args.labels, out, args.gate_share, args.window,
            args.margin, args.alpha, args.logger, args.time,
        )  # fmt: skip
        print(f"gate window {record['gate_split']}")
        print(f"{record['reason']}; decision: {out / 'decision.json'}")

    return run(gate)
