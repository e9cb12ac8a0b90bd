#!/usr/bin/env bash
# Step 1 of the polish_sota study: Optuna TPE searches on the training split of Polish years 1
# and 5, maximising 5-fold CV ROC-AUC (the hold-out test split is never read by the sampler).
#   bash experiments/polish_sota/search.sh [sweep root, default outputs/polish_sota]
# Trial counts are what fitted this study's time budget on 2 shared cores (a LightGBM trial
# took ~20-40 s on one thread); the searches continue from <sweep dir>/optuna.db when re-run with
# a larger hydra.sweeper.n_trials.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/polish_sota}
export OMP_NUM_THREADS=1
search() {  # model year trials
    python -m bankruptcy.run -m "hparams_search=$1_optuna" "dataset.year=$2" objective=cv/roc_auc \
        logger=none plots=none bootstrap=none "hydra.sweeper.n_trials=$3" \
        "hydra.sweep.dir=$root/search_$1_y$2"
}
search lightgbm 1 25
search xgboost 1 15
search lightgbm 5 15
search xgboost 5 15
for year in 1 5; do
    search gradient_boosting "$year" 10  # ~1 min a trial (up to 600 iterations, 128 leaves)
    search logistic "$year" 20
    search catboost "$year" 10
done
