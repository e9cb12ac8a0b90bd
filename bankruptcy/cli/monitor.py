"""Check production rows against a model package: drift, data quality, performance.

Examples::

    python -m bankruptcy.monitor models:/polish@champion new_companies.csv --out monitoring/2026-12
    python -m bankruptcy.monitor models:/polish@champion predictions/ --since 2026-11-01 \
        --fail-on-drift
    python -m bankruptcy.monitor outputs/runs/<date>/<time> labelled.parquet --labels bankrupt

CURRENT is a CSV/Parquet file of companies, or the service's prediction-log folder (``serve
--log-dir``) with an optional time window. Writes ``monitor.json`` and ``monitor.html`` in
``--out`` and, with ``--logger wandb``, a W&B run of job type ``monitor`` in the model's group.
Without labels, performance is estimated from the package's calibrated probabilities of default
(every package but those built with ``calibration=none``) and judged against the same estimate on
the package's test rows; ``--labels COLUMN`` adds the realized metrics and calibration, judged
against the test rows' realized metrics. Each view prints its verdict: worse, better or no change.

Exit codes: 0 checked, 3 drift found with ``--fail-on-drift`` (for cron/Airflow), 2 a problem
with the input (one line).
"""

from __future__ import annotations

import time
from pathlib import Path

from bankruptcy.cli.common import parser_for, run
from bankruptcy.core.errors import UserError

DRIFT_EXIT = 3


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = parser_for("bankruptcy.monitor", __doc__)
    parser.add_argument("model", help="models:/NAME@ALIAS, models:/NAME/VERSION or a job dir")
    parser.add_argument("current", help="CSV/Parquet file, or a prediction-log folder")
    parser.add_argument(
        "--labels", metavar="COLUMN", help="outcome column of the file (training values or 0/1)"
    )
    parser.add_argument("--since", help="log window start (ISO time, inclusive)")
    parser.add_argument("--until", help="log window end (ISO time, exclusive)")
    parser.add_argument("--out", type=Path, help="output folder (default monitor-<time>)")
    parser.add_argument("--fail-on-drift", action="store_true", help=f"exit {DRIFT_EXIT} on drift")
    parser.add_argument("--logger", choices=("wandb", "none"), default="wandb")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random steps")
    args = parser.parse_args(argv)
    out = args.out or Path(time.strftime("monitor-%Y%m%d-%H%M%S"))
    return run(lambda: check(args, out))


def check(args, out: Path) -> int:
    """Monitor one window, print the verdict; the exit code (3 on drift when asked)."""
    from bankruptcy.monitoring.html import performance_lines
    from bankruptcy.monitoring.production import monitor_window

    if (out / "monitor.json").exists():
        raise UserError(f"{out}/monitor.json exists: choose another --out (nothing is overwritten)")
    report = monitor_window(
        args.model, args.current, out, args.labels, args.since, args.until, args.logger, args.seed
    )
    from bankruptcy.monitoring.window import log_line

    drift = report["drift"]
    drifted = ", ".join(drift["columns"][:8]) or "none"
    if report["log"]:
        print(log_line(report["log"]))
    print(
        f"{report['n_rows']:,} rows; drift: {'YES' if drift['dataset'] else 'no'} "
        f"(drifted columns: {drifted}); score PSI {report['scores']['psi']:.3f}; "
        f"report: {out / 'monitor.html'}"
    )
    for line in performance_lines(report["performance"]):
        print(line)
    return DRIFT_EXIT if args.fail_on_drift and drift["dataset"] else 0
