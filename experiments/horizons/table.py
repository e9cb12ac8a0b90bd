"""The horizons study's tables from its sweeps (``bash experiments/horizons/run.sh ROOT``).

    python experiments/horizons/table.py ROOT > experiments/horizons/results.md

One row per job and horizon with observed test labels: the split (A: test 2015-2018, B: test
2011-2018), the model, the target, panel features or not, the seed; ROC-AUC, PR-AUC, mean PD
against the observed rate with its 95 % interval, ECE and calibration slope on the observed
test rows; for term structures the Kaplan-Meier rate; the final fit's seconds. Then the
seeds' means for the issue's goals, scikit-survival's models (``survival.csv``) and the Polish
files' AUC by horizon.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import yaml

HEAD = (
    "| split | model | target | panel | seed | horizon | test rows | ROC-AUC | PR-AUC "
    "| mean PD | observed [95 % CI] | ECE | slope | KM rate | fit s |"
)


def jobs(root: Path):
    """(sweep name, job dir, config, metrics) of every finished job under `root`."""
    for metrics in sorted(root.glob("*/*/metrics.json")):
        job = metrics.parent
        config = yaml.safe_load((job / ".hydra" / "config.yaml").read_text())
        yield job.parent.name, job, config, json.loads(metrics.read_text())


def describe(sweep: str, config: dict) -> dict:
    target = config.get("target") or {}
    kind = target.get("_target_", "").rsplit(".", 1)[-1]
    years = target.get("years")
    features = config["preprocess"]["features"].get("_target_", "")
    return {
        "split": "B" if config["protocol"].get("train_end") == 2004 else "A",
        "model": config["model"]["_target_"].rsplit(".", 1)[-1],
        "target": {"Ever": "ever", "Within": f"within {years}", "TermStructure": "term 5"}.get(
            kind, kind
        ),
        "panel": "yes" if features.endswith("PanelFeatures") else "no",
        "seed": config["seed"],
        "sweep": sweep,
    }


def horizon_rows(root: Path) -> list[dict]:
    rows = []
    for sweep, _, config, metrics in jobs(root):
        if not sweep.startswith(("a_", "b_")):
            continue
        what = describe(sweep, config)
        horizons = sorted(
            int(k.removeprefix("test/rows_").removesuffix("y"))
            for k in metrics
            if k.startswith("test/rows_")
        )
        if not horizons:  # the dataset's own label: the plain keys
            horizons = [None]
        for h in horizons:
            suffix = f"_{h}y" if h else ""
            rows.append(
                {
                    **what,
                    "horizon": f"{h} y" if h else "ever",
                    "rows": metrics.get(f"test/rows{suffix}"),
                    **{
                        m: metrics.get(f"test/{m}{suffix}")
                        for m in (
                            "roc_auc",
                            "pr_auc",
                            "mean_pd",
                            "observed_rate",
                            "observed_rate_ci_low",
                            "observed_rate_ci_high",
                            "ece",
                            "calibration_slope",
                            "km_rate",
                        )
                    },  # fmt: skip
                    "fit_seconds": metrics["fit_seconds"],
                }
            )
    return rows


def num(value, digits: int = 4) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def line(r: dict) -> str:
    rate = (
        f"{num(r['observed_rate'])} [{num(r['observed_rate_ci_low'])}, "
        f"{num(r['observed_rate_ci_high'])}]"
    )
    rows = "–" if r["rows"] is None or pd.isna(r["rows"]) else f"{int(r['rows']):,}"
    return (
        f"| {r['split']} | {r['model']} | {r['target']} | {r['panel']} | {r['seed']} "
        f"| {r['horizon']} | {rows} | {num(r['roc_auc'], 3)} | {num(r['pr_auc'], 3)} "
        f"| {num(r['mean_pd'])} | {rate} | {num(r['ece'])} | {num(r['calibration_slope'], 2)} "
        f"| {num(r['km_rate'])} | {num(r['fit_seconds'], 1)} |"
    )


def seeds_table(rows: pd.DataFrame) -> list[str]:
    """Means over the seeds of the goal rows (LightGBM, split A, seeds 1-3)."""
    seeded = rows[rows["sweep"].isin(["a_seeds", "a_term_seeds"])]
    means = seeded.groupby(["target", "panel", "horizon"])[
        ["roc_auc", "pr_auc", "mean_pd", "observed_rate", "ece", "calibration_slope"]
    ].mean()
    out = [
        "| target | panel | horizon | ROC-AUC | PR-AUC | mean PD | observed | ECE | slope |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (target, panel, horizon), r in means.iterrows():
        out.append(
            f"| {target} | {panel} | {horizon} | {num(r['roc_auc'], 3)} | {num(r['pr_auc'], 3)}"
            f" | {num(r['mean_pd'])} | {num(r['observed_rate'])} | {num(r['ece'])} "
            f"| {num(r['calibration_slope'], 2)} |"
        )
    return out


def survival_table(root: Path) -> list[str]:
    path = root / "survival.csv"
    if not path.is_file():
        return ["(not run)"]
    table = pd.read_csv(path)
    out = [
        "| split | model | horizon | test rows | ROC-AUC | PR-AUC | mean PD | observed | fit s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for _, r in table.iterrows():
        out.append(
            f"| {r['split']} | {r['model']} | {r['horizon']} | {int(r['rows']):,} "
            f"| {num(r['roc_auc'], 3)} | {num(r['pr_auc'], 3)} | {num(r['mean_pd'])} "
            f"| {num(r['observed_rate'])} | {num(r['fit_seconds'], 1)} |"
        )
    return out


def polish_table(root: Path) -> list[str]:
    out = [
        "| file | label: status after | CV ROC-AUC | hold-out ROC-AUC | hold-out PR-AUC |",
        "|---|---|---:|---:|---:|",
    ]
    for sweep, _, config, metrics in jobs(root):
        if sweep.startswith("polish"):
            year = config["dataset"]["year"]
            out.append(
                f"| {config['dataset'].get('file') or f'{year}year.arff'} | {6 - year} year(s) "
                f"| {num(metrics['cv/roc_auc'], 3)} | {num(metrics['test/roc_auc'], 3)} "
                f"| {num(metrics['test/pr_auc'], 3)} |"
            )
    return out


def main(root: str) -> None:
    base = Path(root)
    rows = horizon_rows(base)
    print(f"<!-- python experiments/horizons/table.py {root} -->\n")
    print("## Every job and horizon (observed test rows)\n")
    print(HEAD)
    print("|---|---|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(line(r))
    print("\n## The goals' rows: LightGBM, split A, mean of seeds 1-3\n")
    print("\n".join(seeds_table(pd.DataFrame(rows))))
    print("\n## scikit-survival on the same splits\n")
    print("\n".join(survival_table(base)))
    print("\n## Polish: the yearly files as horizons of different firms (LightGBM default)\n")
    print("\n".join(polish_table(base)))


if __name__ == "__main__":
    main(sys.argv[1])
