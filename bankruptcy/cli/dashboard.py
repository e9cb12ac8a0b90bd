"""``python -m bankruptcy.dashboard SWEEP_DIR``: the W&B dashboard of a sweep."""

from __future__ import annotations

import argparse
from pathlib import Path

from bankruptcy.cli.common import run
from bankruptcy.dashboard.sweep import TOP_JOBS

EXAMPLE = """\
example:
  python -m bankruptcy.run -m dataset=polish dataset.year=1 model=logistic,gradient_boosting \\
      logger=wandb hydra.sweep.dir=outputs/sweeps/models
  python -m bankruptcy.dashboard outputs/sweeps/models       # writes .../models/dashboard.json
  wandb sync outputs/sweeps/models/*/wandb/offline-run-* outputs/sweeps/models/wandb/offline-run-*
  python -m bankruptcy.dashboard outputs/sweeps/models --entity my-team --publish

Offline (the default) nothing leaves this machine: the workspace view and the report are
written as JSON. --publish saves both to W&B (needs an API key: wandb login).
"""


def main(argv: list[str] | None = None) -> int:
    """Command line entry; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bankruptcy.dashboard",
        description="Build the W&B workspace view and report of a sweep from its logged runs.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sweep_dir", type=Path, help="a multirun dir (hydra.sweep.dir)")
    parser.add_argument("--entity", help="W&B user or team (default: the runs' or the key's)")
    parser.add_argument("--project", help="W&B project (default: the runs' project)")
    parser.add_argument("--out", type=Path, help="where to write (SWEEP_DIR/dashboard.json)")
    parser.add_argument(
        "--top", type=int, default=TOP_JOBS, help=f"jobs whose test curves overlay ({TOP_JOBS})"
    )
    parser.add_argument("--publish", action="store_true", help="save the view and report to W&B")
    args = parser.parse_args(argv)

    def act() -> None:
        # after parsing: --help answers without importing W&B
        from bankruptcy.dashboard.sweep import read_sweep
        from bankruptcy.dashboard.views import SPEC_FILE, panel_count, publish, specification, write

        sweep = read_sweep(args.sweep_dir, args.entity, args.project)
        spec = specification(sweep, args.top)
        path = write(spec, args.out or args.sweep_dir / SPEC_FILE)
        print(f"Dashboard of group {sweep.group}: {panel_count(spec)} panels -> {path}")
        if args.publish:
            for url in publish(sweep, args.top):
                print(f"Saved: {url}")

    return run(act)
