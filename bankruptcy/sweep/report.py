"""A sweep's report on demand: its leaderboard, one re-run of its best job, a lab-notebook copy,
and the ranking of methods across the datasets of several sweeps.

The work behind ``python -m bankruptcy.report`` (`bankruptcy.cli.report`). A search ranks jobs
by a ``cv/`` objective only; `rerun_best` re-runs the winner (same overrides, same seed) into
``<sweep dir>/_best/``, checks that its CV objective reproduces and writes its test metrics to
``<sweep dir>/best.md``.
"""

from __future__ import annotations

import math
import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from bankruptcy.core.errors import UserError
from bankruptcy.evaluation.metrics import higher_is_better
from bankruptcy.evaluation.ranking import Ranking, rank_methods
from bankruptcy.experiment.outputs import read_metrics
from bankruptcy.sweep import across_render
from bankruptcy.sweep.across import gather
from bankruptcy.sweep.jobs import load_job
from bankruptcy.sweep.leaderboard import Leaderboard, build_leaderboard
from bankruptcy.sweep.render import fmt, print_top, to_markdown, write_all

BEST_DIR = "_best"  # "_" keeps the re-run out of the sweep's own leaderboard
# CV objective of the re-run vs the search: same config + seed must give the same number.
_REPRODUCE_TOL = 1e-6


class ReportError(UserError):
    """A sweep dir that cannot be reported on; the message says why and what to do."""


def report(sweep_dir: Path, objective: str | None = None, top: int = 10) -> Leaderboard:
    """Build, write and print the leaderboard of `sweep_dir`."""
    if not sweep_dir.is_dir():
        raise ReportError(f"{sweep_dir} is not a directory: pass a sweep dir (hydra.sweep.dir)")
    board = build_leaderboard(sweep_dir, objective)
    if board.table.empty:
        raise ReportError(f"{sweep_dir} holds no job dirs (no */.hydra/overrides.yaml)")
    paths = write_all(board)
    print_top(board, top)
    print(f"Leaderboard written: {', '.join(str(p) for p in paths.values())}")
    return board


def report_across(
    inputs: list[Path],
    out_dir: Path,
    objective: str | None = None,
    dataset_keys: list[str] = (),
    alpha: float = 0.05,
    rope: float | None = None,
) -> Ranking:
    """Rank the methods of `inputs` (sweep dirs, recorded studies) across their datasets.

    Writes the ranking, the metric per dataset and the critical-difference diagram into
    `out_dir` (`bankruptcy.sweep.across_render.write_all`) and prints the summary.
    """
    study = gather(inputs, objective, dataset_keys)
    ranking = rank_methods(study.scores, study.maximize, alpha, rope)
    paths = across_render.write_all(study, ranking, out_dir)
    across_render.print_summary(study, ranking, paths)
    return ranking


def log_to_wandb(board: Leaderboard) -> None:
    """Log `board` to a sweep-summary run through the sweep's configured ``logger``."""
    from bankruptcy.experiment.builder import build_tracker
    from bankruptcy.sweep.callback import log_summary_run

    cfg = yaml.safe_load((board.sweep_dir / "multirun.yaml").read_text())
    paths = write_all(board)
    log_summary_run(build_tracker(cfg["logger"]), board, paths, logged_group(board.sweep_dir))


def logged_group(sweep_dir: Path) -> str:
    """The W&B group the sweep's jobs logged to; from the sweep dir when none logged a run."""
    from bankruptcy.sweep.callback import sweep_group
    from bankruptcy.tracking.offline import find_runs, main_group

    return main_group(find_runs(sweep_dir)) or sweep_group(str(sweep_dir))


def rerun_best(board: Leaderboard) -> dict:
    """Re-run the best job once as a single run and record its CV and test metrics.

    Returns
    -------
    dict
        ``overrides``, ``command``, ``search`` (the objective recorded by the sweep),
        ``rerun`` (the re-run's metrics.json) and ``reproduced`` (bool).
    """
    best = board.best
    if best is None:
        raise ReportError(f"{board.sweep_dir}: no job succeeded, nothing to re-run")
    job = load_job(board.sweep_dir / best["job"])
    out = board.sweep_dir / BEST_DIR
    command = [sys.executable, "-m", "bankruptcy.run", *job.overrides, f"hydra.run.dir={out}"]
    print("Re-running the best configuration:", shlex.join(command[1:]))
    done = subprocess.run(command, env=os.environ.copy(), check=False)
    if done.returncode != 0:
        raise ReportError(f"re-run of the best job failed (exit {done.returncode}); see {out}")
    rerun = read_metrics(out)
    searched = float(best[board.objective])
    result = {
        "overrides": list(job.overrides),
        "command": "python " + shlex.join(command[1:-1]),
        "objective": board.objective,
        "search": searched,
        "rerun": rerun,
        "reproduced": math.isclose(
            rerun.get(board.objective, math.nan), searched, abs_tol=_REPRODUCE_TOL
        ),
    }
    (board.sweep_dir / "best.md").write_text(best_markdown(result))
    return result


def best_markdown(result: dict) -> str:
    """``best.md``: the winning overrides, the CV objective (search vs re-run), test metrics."""
    rerun = result["rerun"]
    objective = result["objective"]
    lines = [
        "# Best configuration",
        "",
        f"Selected by `{objective}` (cross-validation on training rows only).",
        "",
        "```",
        result["command"],
        "```",
        "",
        f"- {objective} in the search: {result['search']:.4f}; in the re-run: "
        f"{rerun.get(objective, math.nan):.4f} "
        f"({'reproduced' if result['reproduced'] else 'NOT reproduced: check seeds'})",
        "",
        "| metric | CV (mean ± std) | test |",
        "|---|---:|---:|",
    ]
    names = sorted({k.split("/", 1)[1] for k in rerun if k.startswith("test/")})
    for name in names:
        cv, std = rerun.get(f"cv/{name}"), rerun.get(f"cv/{name}_std")
        test = rerun[f"test/{name}"]
        if _missing(cv) and _missing(test):
            continue  # e.g. brier for a model without probabilities
        cv_text = "" if _missing(cv) else f"{cv:.4f} ± {fmt(std)}"
        arrow = "" if higher_is_better(name) else " (lower is better)"
        lines.append(f"| {name}{arrow} | {cv_text} | {fmt(test)} |")
    return "\n".join(lines) + "\n"


def sweep_command(sweep_dir: Path) -> str:
    """The command that ran a sweep (from Hydra's ``multirun.yaml``), without its sweep dir."""
    cfg = yaml.safe_load((sweep_dir / "multirun.yaml").read_text())
    overrides = cfg["hydra"]["overrides"]
    # Hydra adds hydra.mode itself (-m); the sweep dir is the user's to choose on a re-run.
    implied = ("hydra.mode=", "hydra.sweep.dir=")
    hydra = [o for o in overrides.get("hydra", []) if not o.startswith(implied)]
    return "python -m bankruptcy.run -m " + shlex.join([*hydra, *overrides.get("task", [])])


def record(board: Leaderboard, out_dir: Path) -> Path:
    """Copy the leaderboard into `out_dir` with a README: command, best configuration, table.

    Returns
    -------
    pathlib.Path
        The README written.
    """
    paths = write_all(board, out_dir)
    best = board.best
    lines = [
        f"# {out_dir.name}",
        "",
        "## Command",
        "",
        "```",
        sweep_command(board.sweep_dir),
        "```",
        "",
        "## Best configuration",
        "",
    ]
    if best is None:
        lines.append("No job succeeded.")
    else:
        std = best.get(f"{board.objective}_std", math.nan)
        tests = ", ".join(
            f"{k} {best[k]:.4f}" for k in ("test/roc_auc", "test/pr_auc") if k in best.index
        )
        lines += [
            f"`{best['overrides']}`: {board.objective} = {best[board.objective]:.4f} ± {std:.4f}"
            f" (CV); {tests} (hold-out, reported, not used for ranking).",
        ]
    table = to_markdown(board).split("\n", 2)[2]  # drop the page heading
    lines += ["", "## Leaderboard", "", table.strip(), ""]
    if "png" in paths:
        lines += [f"![{board.objective} by job]({paths['png'].name})", ""]
    lines.append("Files: `leaderboard.csv` (all columns), `leaderboard.html` (chart + table).")
    readme = out_dir / "README.md"
    readme.write_text("\n".join(lines) + "\n")
    return readme


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
