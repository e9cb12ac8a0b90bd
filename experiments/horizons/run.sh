#!/usr/bin/env bash
# The horizons study (experiments/horizons/README.md), recorded here with its table (results.md).
#   bash experiments/horizons/run.sh [output root, default outputs/horizons]
# Split A (Lombardo et al. 2022's periods): training years <= 2011, validation 2012-2014, test
# 2015-2018; 3-year windows are the longest whose test labels are observed. Split B: training
# <= 2004, validation 2005-2010, test 2011-2018, so 5-year test labels are observed (2011-2013).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/horizons}
export OMP_NUM_THREADS=1
rows=horizons/american_logistic,horizons/american_lightgbm
run() { python -m bankruptcy.run -m bootstrap=none logger=none "hydra.sweep.dir=$root/$1" "${@:2}"; }
# A: the literature's label, one horizon at a time, the term structure; without and with panel
# features (preprocess/features=auto: panel features on panel data)
run a_ever "experiment=$rows" target=ever preprocess/features=none,auto
run a_within "experiment=$rows" target=within target.years=1,2 preprocess/features=none,auto
run a_within3 "experiment=$rows" target=within target.years=3 ++protocol.train_end=2010 \
    preprocess/features=none,auto
run a_term "experiment=$rows" target=term_structure target.years=5 preprocess/features=none,auto
# the goals' figures: the 1-year horizon and the term structure, LightGBM, 3 seeds
run a_seeds experiment=horizons/american_lightgbm target=within target.years=1 seed=1,2,3 \
    preprocess/features=none,auto
run a_term_seeds experiment=horizons/american_lightgbm target=term_structure seed=1,2,3
# B: every horizon on the same split, each by its own classifier and by the term structure
B="++protocol.train_end=2004 ++protocol.valid_end=2010"
run b_within experiment=horizons/american_lightgbm target=within target.years=1,2,3 $B
run b_within5 experiment=horizons/american_lightgbm target=within target.years=5 $B
run b_term "experiment=$rows" target=term_structure target.years=5 $B
# a survival library's model on the same splits (scikit-survival)
python experiments/horizons/survival.py "$root"
# Polish: the yearly files are horizons of different firms (year N: status after 6 - N years)
python -m bankruptcy.run -m dataset=polish dataset.year=1,5 bootstrap=none logger=none \
    interpret=none "hydra.sweep.dir=$root/polish"
python -m bankruptcy.run -m dataset=polish dataset.year=3 dataset.file=3year_rounded.arff \
    bootstrap=none logger=none interpret=none "hydra.sweep.dir=$root/polish3"
python experiments/horizons/table.py "$root" >experiments/horizons/results.md
