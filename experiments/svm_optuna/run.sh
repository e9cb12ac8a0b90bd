#!/usr/bin/env bash
# Reproduce experiments/svm_optuna: the default SVM, a 20-trial Optuna search, 5 more trials
# continued from the study's SQLite file, the winner re-run once on the test split, and the
# record in this folder. Needs BANKRUPTCY_DATA_DIR and the optuna extra.
#   bash experiments/svm_optuna/run.sh [output dir, default outputs/svm_optuna]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-outputs/svm_optuna}
FAST=(interpret=none plots=none bootstrap=none)  # per-job extras the comparison does not need

python -m bankruptcy.run model=svm "${FAST[@]}" hydra.run.dir="$OUT/default"
python -m bankruptcy.run -m hparams_search=svm_optuna "${FAST[@]}" hydra.sweep.dir="$OUT/search"
cp "$OUT/search/leaderboard.csv" "$OUT/leaderboard_20_trials.csv"
python -m bankruptcy.run -m hparams_search=svm_optuna "${FAST[@]}" hydra.sweep.dir="$OUT/search" \
  hydra.sweeper.n_trials=5
python -m bankruptcy.report "$OUT/search" --rerun-best --record experiments/svm_optuna
cp "$OUT/search/best.md" experiments/svm_optuna/best.md

python - "$OUT" >>experiments/svm_optuna/README.md <<'PY'
import json, sys
from pathlib import Path

import optuna
import pandas as pd

out = Path(sys.argv[1])
default = json.loads((out / "default" / "metrics.json").read_text())["cv/pr_auc"]
first = pd.read_csv(out / "leaderboard_20_trials.csv")
study = optuna.load_study(study_name="svm", storage=f"sqlite:///{out}/search/optuna.db")
states = pd.Series([t.state.name for t in study.trials]).value_counts().to_dict()
best = json.loads((out / "search" / "_best" / "metrics.json").read_text())
print("\n## Search figures\n")
print(f"- default `model=svm` (C=1, gamma=scale, no class weights): cv/pr_auc = {default:.4f}")
print(f"- best of the first {len(first)} trials: cv/pr_auc = {first['cv/pr_auc'].max():.4f}")
print(f"- after continuing with 5 more trials: {len(study.trials)} trials in optuna.db "
      f"({states}), best cv/pr_auc = {study.best_value:.4f}")
print(f"- best configuration re-run once: cv/pr_auc = {best['cv/pr_auc']:.4f}, "
      f"test/pr_auc = {best['test/pr_auc']:.4f}, test/roc_auc = {best['test/roc_auc']:.4f}")
PY
