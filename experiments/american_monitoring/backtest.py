"""Replay production on the American firm-years: score, monitor, receive labels, retrain or not.

Train on 1999-2011; for each year 2012-2018: score the year's firms with the model in use,
monitor them without labels (drift, label-free performance estimate), then receive the year's
labels and measure the realized performance. Three policies decide what model the next year
uses:

- ``never``: the 1999-2011 model throughout;
- ``yearly``: refit every year on all labelled years (no gate);
- ``triggered``: when the monitor finds drift (or the realized ROC-AUC falls below the
  reference interval), train a challenger on the years before the one just labelled and
  promote it only if the promotion gate, run on that year's labelled firms (which neither
  model trained on), says so.

Every model is the project's pipeline from its config (`COMMAND` below) with Platt scaling
fitted on the two most recent training years, held out from the booster: calibrating on
cross-validation folds of all years leaves the probabilities far off later years (the share of
failed firm-years falls from 5 % to 1 % over the period), and the label-free estimate needs
calibrated probabilities.

    BANKRUPTCY_DATA_DIR=../shared/data python experiments/american_monitoring/backtest.py
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from threadpoolctl import threadpool_limits

from bankruptcy.evaluation import metrics as M
from bankruptcy.experiment.builder import build_dataset, build_pipeline
from bankruptcy.monitoring import monitor, promotion_gate

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COMMAND = [
    "dataset=american",
    "dataset.file=american_bankruptcy_partial.csv",
    "preprocess/features=domain",
    "model=gradient_boosting",
    "logger=none",
]
FIRST_TRAIN_END, YEARS = 2011, range(2012, 2019)
CALIBRATION_YEARS = 2  # the latest training years, held out from the booster for Platt scaling
POLICIES = ("never", "yearly", "triggered")


def load(data_dir: str):
    """The composed config and the American dataset (firm-years, year column)."""
    with initialize_config_dir(str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.data_dir={data_dir}", *COMMAND])
    return cfg, build_dataset(cfg.dataset)


class Model:
    """A pipeline fitted on years up to `end` - 2, Platt-calibrated on the last two."""

    def __init__(self, cfg, data, end: int):
        years = data.time.to_numpy()
        fit = years <= end - CALIBRATION_YEARS
        calibrate = (years > end - CALIBRATION_YEARS) & (years <= end)
        pipeline = build_pipeline(cfg).fit(data.X[fit], data.y[fit])
        self.model = CalibratedClassifierCV(FrozenEstimator(pipeline), method="sigmoid")
        self.model.fit(data.X[calibrate], data.y[calibrate])
        self.end = end
        self.reference = data.X[fit].sample(n=min(5000, int(fit.sum())), random_state=0)
        self.reference_scores = self.scores(data.X[calibrate])
        self.reference_labels = data.y[calibrate].to_numpy()
        self.threshold = float(np.quantile(self.reference_scores, 1 - data.y[calibrate].mean()))

    def scores(self, X) -> np.ndarray:
        return self.model.predict_proba(X)[:, 1]


def realized(y, p) -> dict[str, float]:
    return M.compute(["roc_auc", "pr_auc", "brier"], y, p, M.ScoreKind.PROBA)


def run(cfg, data) -> pd.DataFrame:
    """Replay every year under every policy; one row per (year, policy)."""
    years = data.time.to_numpy()
    first = Model(cfg, data, FIRST_TRAIN_END)
    models = dict.fromkeys(POLICIES, first)
    counts = {p: {"retrains": 0, "promotions": 0} for p in POLICIES}
    rows = []
    for year in YEARS:
        now = years == year
        X, y = data.X[now], data.y[now].to_numpy()
        for policy in POLICIES:
            model = models[policy]
            scores = model.scores(X)
            report = monitor(
                model.reference, X, model.reference_scores, scores, model.threshold, True,
                reference_labels=model.reference_labels, multivariate=True, n_resamples=200,
            )  # fmt: skip
            estimate = report["performance"]["estimated"]["metrics"]["roc_auc"]["value"]
            values = realized(y, scores)
            decided = {}
            if policy == "yearly":
                models[policy] = Model(cfg, data, year)
                counts[policy]["retrains"] += 1
            elif policy == "triggered":
                reference = report["performance"]["reference"]["metrics"]["roc_auc"]
                fell = values["roc_auc"] < reference["low"]
                if report["drift"]["dataset"] or fell:
                    challenger = Model(cfg, data, year - 1)  # never saw this year's firms
                    counts[policy]["retrains"] += 1
                    decided = promotion_gate(y, scores, challenger.scores(X), n_resamples=0)
                    if decided["promoted"]:
                        models[policy] = challenger
                        counts[policy]["promotions"] += 1
            rows.append(
                {
                    "year": year,
                    "policy": policy,
                    "model_trained_to": model.end,
                    "firms": len(y),
                    "failed": int(y.sum()),
                    **values,
                    "drift": report["drift"]["dataset"],
                    "drifted_columns": len(report["drift"]["columns"]),
                    "score_psi": report["scores"]["psi"],
                    "roc_auc_estimated": estimate,
                    "estimate_error": estimate - values["roc_auc"],
                    "gate_p_value": decided.get("p_value"),
                    "promoted": decided.get("promoted"),
                    **{k: v for k, v in counts[policy].items()},
                }
            )
            drift = report["drift"]["dataset"]
            print(
                f"{year} {policy:<9} roc_auc {values['roc_auc']:.3f} est {estimate:.3f} "
                f"drift {drift!s:<5} {counts[policy]}",
                flush=True,
            )
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, path: Path) -> None:
    """Realized ROC-AUC per policy, and the label-free estimate against it."""
    from bankruptcy.core.figures import new_figure, save_png

    fig = new_figure(11, 4.2)
    left, right = fig.subplots(1, 2)
    for policy, part in table.groupby("policy"):
        left.plot(part["year"], part["roc_auc"], marker="o", label=policy)
    left.set(xlabel="Year scored", ylabel="Realized ROC-AUC", title="Policies")
    left.legend()
    never = table[table["policy"] == "never"]
    right.plot(never["year"], never["roc_auc"], marker="o", label="realized")
    right.plot(never["year"], never["roc_auc_estimated"], marker="s", ls="--", label="estimated")
    right.set(xlabel="Year scored", ylabel="ROC-AUC", title="Label-free estimate (never retrain)")
    right.legend()
    save_png(fig, path)


def markdown(table: pd.DataFrame) -> str:
    """The per-year table and the per-policy summary, as Markdown."""
    lines = [
        "| year | policy | model trained to | firms (failed) | ROC-AUC | PR-AUC | Brier | "
        "drift (columns) | score PSI | ROC-AUC estimated (error) | gate p | promoted | "
        "retrains / promotions |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in table.itertuples():
        gate = "" if pd.isna(r.gate_p_value) else f"{r.gate_p_value:.3f}"
        promoted = "" if pd.isna(r.promoted) else ("yes" if r.promoted else "no")
        lines.append(
            f"| {r.year} | {r.policy} | {r.model_trained_to} | {r.firms:,} ({r.failed}) | "
            f"{r.roc_auc:.3f} | {r.pr_auc:.3f} | {r.brier:.4f} | "
            f"{'yes' if r.drift else 'no'} ({r.drifted_columns}) | {r.score_psi:.3f} | "
            f"{r.roc_auc_estimated:.3f} ({r.estimate_error:+.3f}) | {gate} | {promoted} | "
            f"{r.retrains} / {r.promotions} |"
        )
    summary = table.groupby("policy", sort=False).agg(
        roc_auc=("roc_auc", "mean"),
        pr_auc=("pr_auc", "mean"),
        brier=("brier", "mean"),
        estimate_mae=("estimate_error", lambda e: e.abs().mean()),
        retrains=("retrains", "max"),
        promotions=("promotions", "max"),
    )
    lines += [
        "",
        "| policy | mean ROC-AUC | mean PR-AUC | mean Brier | label-free estimate MAE | "
        "retrains | promotions |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for policy, r in summary.iterrows():
        lines.append(
            f"| {policy} | {r.roc_auc:.4f} | {r.pr_auc:.4f} | {r.brier:.4f} | "
            f"{r.estimate_mae:.4f} | {int(r.retrains)} | {int(r.promotions)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the table and plot go")
    args = parser.parse_args()
    start = time.perf_counter()
    cfg, data = load(os.environ.get("BANKRUPTCY_DATA_DIR", "data"))
    with threadpool_limits(limits=1):
        table = run(cfg, data)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "backtest.csv", index=False)
    (args.out / "results.md").write_text(markdown(table))
    figure(table, args.out / "backtest.png")
    print(f"done in {time.perf_counter() - start:.0f} s: {args.out / 'backtest.csv'}")


if __name__ == "__main__":
    main()
