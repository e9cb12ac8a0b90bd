#!/usr/bin/env bash
# Step 2 of the polish_sota study: every row once -- 5-fold CV on the training split, the
# hold-out test once with bootstrap CIs -- one sweep per year, recorded in this folder.
#   bash experiments/polish_sota/run.sh [output root, default outputs/polish_sota]
# Rows are the named configs conf/experiment/polish_sota/y<year>_<model>.yaml; one row alone:
#   python -m bankruptcy.run experiment=polish_sota/y1_stacking
# Year 3 (derived file 3year_rounded.arff) runs the year-5 rows unchanged: nothing was searched
# on year 3.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/polish_sota}
export OMP_NUM_THREADS=1  # one thread per job, also for HistGradientBoosting (no thread key)

rows() {  # year model... -> polish_sota/y<year>_<model>,...
    local year=$1
    shift
    local list
    list=$(printf "polish_sota/y${year}_%s," "$@")
    echo "${list%,}"
}
record() {  # sweep name
    python -m bankruptcy.report "$root/$1" --objective cv/roc_auc --record "experiments/polish_sota/$1"
}

all=(logistic random_forest gradient_boosting lightgbm xgboost catboost voting stacking)
for year in 1 5; do
    python -m bankruptcy.run -m "experiment=$(rows "$year" "${all[@]}")" \
        "hydra.sweep.dir=$root/year$year"
    record "year$year"
done
# stacking (~10 min a job here) is left out of year 3
python -m bankruptcy.run -m "experiment=$(rows 5 "${all[@]:0:7}")" dataset.year=3 \
    dataset.file=3year_rounded.arff "hydra.sweep.dir=$root/year3"
record year3
python experiments/polish_sota/table.py "$root" >experiments/polish_sota/results.md
