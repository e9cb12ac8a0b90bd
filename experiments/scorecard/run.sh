#!/usr/bin/env bash
# The scorecard study (experiments/scorecard/README.md): one sweep per Polish year and one on the
# American firm-years, recorded here, and the table (results.md).
#   bash experiments/scorecard/run.sh [output root, default outputs/scorecard]
# Rows: polish_sota's tuned logistic and LightGBM, the scorecard (monotone bins, and bins that
# may peak or dip) and the monotone LightGBM (conf/experiment/scorecard/y<year>_<row>.yaml).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/scorecard}
export OMP_NUM_THREADS=1
for year in 1 5; do
    rows="polish_sota/y${year}_logistic,polish_sota/y${year}_lightgbm,scorecard/y${year}_scorecard"
    rows="$rows,scorecard/y${year}_scorecard_auto,scorecard/y${year}_lightgbm_monotone"
    python -m bankruptcy.run -m "experiment=$rows" bootstrap=none logger=none \
        "hydra.sweep.dir=$root/year$year"
    python -m bankruptcy.report "$root/year$year" --objective cv/roc_auc \
        --record "experiments/scorecard/year$year"
done
rows=$(printf "scorecard/american_%s," logistic lightgbm scorecard scorecard_auto lightgbm_monotone)
python -m bankruptcy.run -m "experiment=${rows%,}" bootstrap=none logger=none \
    "hydra.sweep.dir=$root/american"
python -m bankruptcy.report "$root/american" --objective cv/roc_auc \
    --record experiments/scorecard/american
python experiments/scorecard/table.py "$root" >experiments/scorecard/results.md
