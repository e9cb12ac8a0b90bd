"""PyCaret's side of scripts/bench_compare_models.py; runs in PyCaret's own venv.

    .venv-pycaret/bin/python scripts/pycaret_compare.py DATA.arff SEED ID[,ID...] [SPLIT.json]

The ARFF file as a DataFrame (``class`` 0/1), then ``setup`` and ``compare_models`` with its
default ``n_jobs=-1``. Without SPLIT.json, PyCaret splits itself: ``train_size=0.8, fold=5,
session_id=SEED``. With it (``{"train": [...], "test": [...], "fold": [...]}``: row positions
and each training row's CV fold), PyCaret gets exactly those training rows, test rows and
folds, so both sides of the benchmark score the same rows. Prints one JSON object: seconds of
the imports, of ``setup`` and of ``compare_models``, and each model's mean CV figures from
PyCaret's own leaderboard. Imports nothing of the project (its libraries are too new for
PyCaret 3.3.2).
"""

import json
import sys
import time

start = time.perf_counter()
import pandas as pd  # noqa: E402
from pycaret.classification import compare_models, pull, setup  # noqa: E402
from scipy.io import arff  # noqa: E402
from sklearn.model_selection import PredefinedSplit  # noqa: E402

imports = time.perf_counter() - start


def main(path: str, seed: int, ids: list[str], split_file: str | None = None) -> None:
    data = pd.DataFrame(arff.loadarff(path)[0])
    data["class"] = data["class"].str.decode("ascii").astype(int)
    options = {"train_size": 0.8, "fold": 5}
    if split_file:
        split = json.load(open(split_file))
        options = {
            "test_data": data.iloc[split["test"]],
            "fold_strategy": PredefinedSplit(split["fold"]),
        }
        data = data.iloc[split["train"]]  # row numbers kept: distinct from the test rows'
    start = time.perf_counter()
    setup(data, target="class", session_id=seed, verbose=False, **options)
    setup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    compare_models(include=ids, n_select=len(ids), sort="AUC", verbose=False)
    compare_seconds = time.perf_counter() - start
    models = {
        model_id: {"name": row["Model"], "cv_roc_auc": float(row["AUC"])}
        for model_id, row in pull().iterrows()
    }
    print(
        json.dumps(
            {
                "import_seconds": imports,
                "setup_seconds": setup_seconds,
                "compare_seconds": compare_seconds,
                "models": models,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), *sys.argv[4:5])
