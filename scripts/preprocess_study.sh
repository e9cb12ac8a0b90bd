#!/usr/bin/env bash
# Preprocessing study on Polish year 1 (5-fold CV on the 80 % training part): which
# preprocessing makes linear and kernel models competitive, and does it cost gradient boosting?
# Writes each sweep's leaderboard.{csv,md} into experiments/preprocess_study/<sweep>/.
#
#   BANKRUPTCY_DATA_DIR=/path/to/data bash scripts/preprocess_study.sh [sweep ...]
#
# Sweeps: presets (the headline), gb_none (gradient boosting on untouched data), grid
# (transform x indicator x scaler for logistic and svm),
# steps (imputer and selection options on the default preset), families (presets per tree
# model, years 1 and 5), default_model (gradient boosting vs LightGBM). Default: the first four.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BANKRUPTCY_DATA_DIR:?set BANKRUPTCY_DATA_DIR to the data folder}"
export WANDB_MODE=disabled
# One thread per job: on a shared 2-core machine, OpenMP threads competing with other jobs made
# gradient boosting many times slower (results do not depend on it).
export OMP_NUM_THREADS=1
OUT=${PREPROCESS_STUDY_OUT:-outputs/preprocess_study}
RECORD=experiments/preprocess_study
FAST="logger=none interpret=none plots=none bootstrap=none"

sweep() {  # name, overrides...
  local name=$1; shift
  python -m bankruptcy.run -m "$@" $FAST hydra.sweep.dir="$OUT/$name"
  mkdir -p "$RECORD/$name"
  cp "$OUT/$name/leaderboard.csv" "$OUT/$name/leaderboard.md" "$RECORD/$name/"
}

sweeps=("$@")
[ ${#sweeps[@]} -eq 0 ] && sweeps=(presets gb_none grid steps)
for name in "${sweeps[@]}"; do
  case $name in
    presets) sweep presets model=logistic,svm,gradient_boosting preprocess=plain,default ;;
    # No preprocessing at all: only gradient boosting accepts the missing values.
    gb_none) sweep gb_none model=gradient_boosting preprocess=none ;;
    grid) sweep grid model=logistic,svm \
      preprocess/transform=none,signed_log,yeo_johnson,quantile_normal \
      preprocess/indicator=none,missing preprocess/scaler=standard,robust ;;
    steps) sweep steps model=logistic,svm \
      preprocess/imputer=median,knn,iterative preprocess/select=none,correlation,mutual_info,l1 ;;
    # Tree families on the default, trees and none presets (LightGBM: its mean_imputed preset
    # instead of default), one sweep per model and Polish year so the marks compare presets.
    families) for year in 1 5; do
      for model in decision_tree random_forest gradient_boosting xgboost catboost lightgbm; do
        presets=default,trees,none
        [ "$model" = lightgbm ] && presets=mean_imputed,trees
        sweep "families/${model}_year$year" model=$model preprocess=$presets dataset.year=$year
      done
    done ;;
    # The default experiment's model: gradient boosting and LightGBM, each on its own preset.
    default_model) for year in 1 5; do
      sweep "families/default_model_year$year" model=gradient_boosting,lightgbm dataset.year=$year
    done ;;
    *) echo "unknown sweep $name (presets, gb_none, grid, steps, families, default_model)" >&2
      exit 2 ;;
  esac
done
