#!/usr/bin/env bash
# The glass-box study (experiments/glass_box/README.md): an Optuna search of the EBM on Polish
# year 5, then one sweep per Polish year (5-fold CV repeated 3 times) and one on the American
# firm-years out of time, recorded here, and the table (results.md).
#   bash experiments/glass_box/run.sh [output root, default outputs/glass_box]
# Rows: polish_sota's tuned logistic and LightGBM, the scorecard, the monotone LightGBM
# (conf/experiment/scorecard/) and the EBM at its defaults, tuned and monotone
# (conf/experiment/glass_box/). About 2 hours on 2 quiet cores. TRIALS (16), REPEATS (3),
# SKIP_SEARCH=1 (keep tuned/ebm.yaml) and ROWS_EXTRA="" (no monotone EBM rows) trim it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/glass_box}
trials=${TRIALS:-16}
repeats=${REPEATS:-3}
skip_search=${SKIP_SEARCH:-}
export OMP_NUM_THREADS=1
# 1. the EBM's search on year 5's training split (one CV round per trial); the best trial
#    becomes conf/experiment/glass_box/tuned/ebm.yaml (the tuned rows of every sweep)
if [ -z "$skip_search" ]; then
    python -m bankruptcy.run -m hparams_search=ebm_optuna experiment=glass_box/y5_ebm \
        objective=cv/roc_auc logger=none bootstrap=none "hydra.sweeper.n_trials=$trials" \
        "hydra.sweep.dir=$root/search_ebm_y5"
    python experiments/polish_sota/tuned_yaml.py "$root/search_ebm_y5" \
        conf/experiment/glass_box/tuned/ebm.yaml
fi
# 2. the Polish years: every row on the same 5 x $repeats folds (paired tests)
for year in 5 1; do
    rows="polish_sota/y${year}_logistic,polish_sota/y${year}_lightgbm,scorecard/y${year}_scorecard"
    rows="$rows,scorecard/y${year}_lightgbm_monotone,glass_box/y${year}_ebm"
    rows="$rows,glass_box/y${year}_ebm_tuned${ROWS_EXTRA-,glass_box/y${year}_ebm_monotone}"
    python -m bankruptcy.run -m "experiment=$rows" "protocol.n_repeats=$repeats" bootstrap=none \
        logger=none "hydra.sweep.dir=$root/year$year"
    python -m bankruptcy.report "$root/year$year" --objective cv/roc_auc \
        --record "experiments/glass_box/year$year"
done
# 3. the American firm-years out of time, 1-year horizon (target=auto; walk-forward validation
#    on the years whose 1-year labels close before 2015, test 2015-2018)
rows=$(printf "glass_box/american_%s," logistic lightgbm lightgbm_monotone scorecard ebm ebm_tuned)
python -m bankruptcy.run -m "experiment=${rows%,}" bootstrap=none logger=none \
    "hydra.sweep.dir=$root/american"
python -m bankruptcy.report "$root/american" --objective cv/roc_auc \
    --record experiments/glass_box/american
python experiments/glass_box/table.py "$root" >experiments/glass_box/results.md
