"""Seven models on Polish year 1: this framework's sweep vs PyCaret 3.3.2's compare_models.

    bash scripts/pycaret_venv.sh                      # once: PyCaret in .venv-pycaret
    python scripts/bench_compare_models.py            # both sides, twice, alternating
    python scripts/bench_compare_models.py --seeds 42 1 2   # + CV ROC-AUC over 3 splits
    python scripts/bench_compare_models.py --repeats 1 --split pycaret --launcher parallel

Ours is the README's comparison command (one process, every job of the sweep in it; by
default the sequential launcher, whose jobs fit their CV folds side by side): 5-fold CV on the
80 % training split, refit, hold-out scored once, analyses off. PyCaret runs as a subprocess
of its own venv (`scripts/pycaret_compare.py`): ``setup`` + ``compare_models`` of the same
seven families with its default ``n_jobs=-1``. With ``--split ours`` (default) PyCaret gets
the protocol's training rows, test rows and folds, so the per-family CV ROC-AUC compare the
same rows; ``--split pycaret`` lets it split itself (``train_size=0.8, fold=5, session_id``).
Wall times: ours for the whole command (start-up, imports, every job, leaderboard), PyCaret's
for its whole process and for ``compare_models`` alone; the ratio uses the latter (the one
least favourable to us). One CV split is noisy (a family's CV ROC-AUC moves by ~0.005-0.01
with the split): ``--seeds 42 1 2`` also runs both sides on the splits of seeds 1 and 2 and
compares the families' mean over the seeds. The machine's load average is printed before and
after.
Needs BANKRUPTCY_DATA_DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
# our model option -> PyCaret's id of the same family
FAMILIES = {
    "logistic": "lr",
    "decision_tree": "dt",
    "random_forest": "rf",
    "svm": "svm",
    "gradient_boosting": "gbc",
    "lightgbm": "lightgbm",
    "mlp": "mlp",
}
ANALYSES_OFF = ["interpret=none", "plots=none", "bootstrap=none", "logger=none"]


def our_command(year: int, seed: int, sweep_dir: Path, launcher: str) -> list[str]:
    """The README's comparison command (plus where to write)."""
    command = [
        sys.executable,
        "-m",
        "bankruptcy.run",
        "-m",
        "dataset=polish",
        f"dataset.year={year}",
        f"model={','.join(FAMILIES)}",
        f"seed={seed}",
        *ANALYSES_OFF,
        f"hydra.sweep.dir={sweep_dir}",
    ]
    return command + (["hydra/launcher=parallel"] if launcher == "parallel" else [])


def run_ours(year: int, seed: int, sweep_dir: Path, launcher: str) -> tuple[float, dict]:
    """Wall seconds of our command and each family's CV ROC-AUC."""
    command = our_command(year, seed, sweep_dir, launcher)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"our sweep failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    board = pd.read_csv(sweep_dir / "leaderboard.csv")
    auc = {
        row["overrides"].split("model=")[1].split()[0]: row["cv/roc_auc"]
        for _, row in board.iterrows()
    }
    return seconds, auc


def write_split(year: int, seed: int, path: Path) -> None:
    """The protocol's training rows, test rows and CV fold of each training row, as JSON."""
    import numpy as np
    from hydra import compose, initialize_config_dir

    from bankruptcy.experiment.builder import build_split

    with initialize_config_dir(str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(
            "config",
            overrides=[
                f"paths.data_dir={os.environ['BANKRUPTCY_DATA_DIR']}",
                f"dataset.year={year}",
                f"seed={seed}",
            ],
        )
    _, split = build_split(cfg)
    fold = np.empty(len(split.train), dtype=int)
    position = {row: i for i, row in enumerate(split.train)}
    for k, (_, val_rows) in enumerate(split.folds):
        fold[[position[r] for r in val_rows]] = k
    path.write_text(
        json.dumps(
            {"train": split.train.tolist(), "test": split.test.tolist(), "fold": fold.tolist()}
        )
    )


def run_pycaret(
    python: str, year: int, seed: int, split: Path | None, workdir: Path
) -> tuple[float, dict]:
    """Wall seconds of the PyCaret process and what it reported (it writes logs.log in cwd)."""
    data = Path(os.environ["BANKRUPTCY_DATA_DIR"]) / "polish" / f"{year}year.arff"
    ids = ",".join(FAMILIES.values())
    command = [python, str(ROOT / "scripts" / "pycaret_compare.py"), str(data), str(seed), ids]
    start = time.perf_counter()
    command += [str(split)] if split else []
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"PyCaret failed:\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_round(args, seed: int, out: Path, tag: str, order: list[str]) -> tuple[tuple, tuple]:
    """Both sides once on the split of `seed`, in `order`; prints their times."""
    split = None
    if args.split == "ours":
        split = out / f"split{seed}.json"
        if not split.exists():
            write_split(args.year, seed, split)
    results = {}
    sweep_dir = out / f"ours_{tag.replace(' ', '_')}"
    for side in order:
        if side == "ours":
            results[side] = run_ours(args.year, seed, sweep_dir, args.launcher)
            print(f"{tag}: ours    {results[side][0]:6.1f} s", flush=True)
        else:
            results[side] = run_pycaret(args.pycaret_python, args.year, seed, split, out)
            seconds, report = results[side]
            print(
                f"{tag}: PyCaret {seconds:6.1f} s "
                f"(compare_models {report['compare_seconds']:.1f} s)",
                flush=True,
            )
    return results["ours"], results["pycaret"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pycaret-python", default=".venv-pycaret/bin/python")
    parser.add_argument("--year", type=int, default=1)
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[42], help="split seeds (the first is timed)"
    )
    parser.add_argument("--repeats", type=int, default=2, help="timed rounds, sides alternating")
    parser.add_argument("--split", choices=["ours", "pycaret"], default="ours")
    parser.add_argument("--launcher", choices=["sequential", "parallel"], default="sequential")
    args = parser.parse_args()
    if not os.environ.get("BANKRUPTCY_DATA_DIR"):
        sys.exit("set BANKRUPTCY_DATA_DIR to the data folder (e.g. ../shared/data)")
    # absolute: PyCaret runs in a scratch directory of its own
    args.pycaret_python = Path(args.pycaret_python).absolute()
    if not args.pycaret_python.exists():
        sys.exit(f"{args.pycaret_python} not found: run bash scripts/pycaret_venv.sh first")
    os.environ.setdefault("WANDB_MODE", "offline")
    out = Path(tempfile.mkdtemp(prefix="bench_compare_"))

    print(f"load average before: {load()}  ({os.cpu_count()} CPUs)")
    alternate = (["ours", "pycaret"], ["pycaret", "ours"])
    timed = [
        run_round(args, args.seeds[0], out, f"round {r + 1}", alternate[r % 2])
        for r in range(args.repeats)
    ]
    others = [
        run_round(args, seed, out, f"seed {seed}", ["ours", "pycaret"]) for seed in args.seeds[1:]
    ]
    print(f"load average after : {load()}")

    t_ours = min(ours[0] for ours, _ in timed)
    t_compare = min(theirs[1]["compare_seconds"] for _, theirs in timed)
    t_process = min(theirs[0] for _, theirs in timed)
    print(f"\nPolish year {args.year}, split: {args.split}, our launcher: {args.launcher}")
    print(f"ours, whole command         : {t_ours:6.1f} s (best of {len(timed)})")
    print(f"PyCaret compare_models      : {t_compare:6.1f} s (process {t_process:.1f} s)")
    print(f"ratio ours / compare_models : {t_ours / t_compare:.2f}x")
    print(f"ratio ours / PyCaret process: {t_ours / t_process:.2f}x\n")
    rounds = [timed[0], *others]  # one per split seed
    print(f"CV ROC-AUC, mean over split seeds {args.seeds}:")
    print("| family | ours | PyCaret (model) | ours >= PyCaret |")
    print("|---|---:|---:|---|")
    for ours_name, their_id in FAMILIES.items():
        a = sum(ours[1][ours_name] for ours, _ in rounds) / len(rounds)
        b = sum(theirs[1]["models"][their_id]["cv_roc_auc"] for _, theirs in rounds) / len(rounds)
        name = rounds[0][1][1]["models"][their_id]["name"]
        print(f"| {ours_name} | {a:.4f} | {b:.4f} ({name}) | {'yes' if a >= b else 'NO'} |")
    print(f"\nsweeps kept in {out}")


if __name__ == "__main__":
    main()
