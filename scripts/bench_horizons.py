"""Benchmark: what a term structure costs against one horizon, on the American firm-years.

One fit of the final model of each, on one thread, on the same statements (walk-forward
protocol, training years up to 2014, purged as the job purges them), with the same pipeline
(the default LightGBM preset with panel features, the study's regularised LightGBM):

- ``within 1``: one record per statement whose 1-year window closed by 2014;
- ``term_structure 5``: a discrete-time hazard model, one record per statement and year ahead
  at risk (x 3-4 records).

Prints records, fit seconds and the ratio (goal: the hazard fit <= 3x the within fit), and the
scoring of every test statement: the within model's PD, and the five cumulative PDs of the
hazard model (one batch of 5 x N records). Best of `--repeats` runs; the machine may be shared.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_horizons.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = [
    "dataset=american",
    "dataset.file=american_bankruptcy_partial.csv",
    "protocol=temporal",
    "model.num_leaves=15",
    "model.min_child_samples=50",
    "model.subsample=0.8",
    "model.subsample_freq=1",
    "model.colsample_bytree=0.8",
    "logger=none",
]


def parts(target: list[str]):
    """The labelled data, its split and the unfitted pipeline of a job with `target`."""
    from hydra import compose, initialize_config_dir

    from bankruptcy.experiment.builder import build_pipeline, build_target, component, prepare_data

    data_dir = os.environ["BANKRUPTCY_DATA_DIR"]
    with initialize_config_dir(str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("config", [f"paths.data_dir={data_dir}", *STUDY, *target])
    pipeline = build_pipeline(cfg)
    dataset = prepare_data(cfg, pipeline, build_target(cfg), None)
    return dataset, component("protocol", cfg.protocol).split(dataset), pipeline


def best(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from sklearn.base import clone
    from threadpoolctl import threadpool_limits

    from bankruptcy.horizons.structure import term_structure

    rows = {}
    fits = {}
    scoring = {}
    with threadpool_limits(limits=1):
        for name, target in (
            ("within 1", ["target=within", "target.years=1"]),
            ("term_structure 5", ["target=term_structure", "target.years=5"]),
        ):
            dataset, split, pipeline = parts(target)
            X, y = dataset.X.iloc[split.train], dataset.y.to_numpy()[split.train]
            times, model = [], None
            for _ in range(args.repeats):
                start = time.perf_counter()
                model = clone(pipeline).fit(X, y)
                times.append(time.perf_counter() - start)
            rows[name], fits[name] = len(y), best(times)
            test = dataset.X.iloc[split.test]
            start = time.perf_counter()
            if dataset.horizon.period_column is None:
                model.predict_proba(test)
            else:
                column = dataset.horizon.period_column

                def hazard(records, model=model):
                    return model.predict_proba(records)[:, 1]

                term_structure(hazard, test, 5, column)
            scoring[name] = (len(test), time.perf_counter() - start)
    print(f"{'model':<18} {'records':>9} {'fit s':>8} {'ratio':>6}   scoring test statements")
    base = fits["within 1"]
    for name in rows:
        n, seconds = scoring[name]
        print(
            f"{name:<18} {rows[name]:>9,} {fits[name]:>8.2f} {fits[name] / base:>6.2f}   "
            f"{n:,} in {seconds:.2f} s"
        )
    print(f"goal: hazard fit <= 3x the within fit -> {fits['term_structure 5'] / base:.2f}x")


if __name__ == "__main__":
    main()
