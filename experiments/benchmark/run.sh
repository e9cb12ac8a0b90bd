#!/usr/bin/env bash
# The benchmark study: conf/experiment/benchmark.yaml (9 models x 2 samplers, repeated CV) on
# every dataset, each a sweep on Ray, then one ranking across the datasets.
#   bash experiments/benchmark/run.sh [output root, default outputs/benchmark] [overrides...]
#   RECORD=experiments/benchmark bash experiments/benchmark/run.sh   # record the result here
# Overrides after the root go to every sweep, e.g. a small slice of the grid:
#   bash experiments/benchmark/run.sh /tmp/slice model=logistic,decision_tree,lightgbm \
#       sampler=none protocol.n_splits=2 protocol.n_repeats=1
# A killed run resumes where it stopped (same root): finished jobs are skipped. Ray on a
# cluster: hydra.launcher.address=auto (or ray://<head>:10001) with the root on a shared disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-outputs/benchmark}
shift || true
record=${RECORD:-}

# name -> dataset overrides. American: the 1-year horizon (target=auto on firm-years: a
# statement is positive when its firm fails within the next year; docs/horizons.md).
declare -A datasets=(
    [polish_year1]="dataset=polish dataset.year=1"
    [polish_year3]="dataset=polish dataset.year=3 dataset.file=3year_rounded.arff"
    [polish_year5]="dataset=polish dataset.year=5"
    [american]="dataset=american dataset.file=american_bankruptcy_partial.csv"
    [qualitative]="dataset=qualitative"
)
order=(polish_year1 polish_year3 polish_year5 american qualitative)

sweeps=()
for name in "${order[@]}"; do
    read -ra chosen <<<"${datasets[$name]}"
    python -m bankruptcy.run -m experiment=benchmark "${chosen[@]}" "$@" \
        "hydra.sweep.dir=$root/$name"
    sweeps+=("$root/$name")
    if [ -n "$record" ]; then
        python -m bankruptcy.report "$root/$name" --record "$record/$name"
    fi
done
python -m bankruptcy.report --across "${sweeps[@]}" --rope 0.01 --out "${record:-$root/ranking}"
