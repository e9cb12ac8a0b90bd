"""Benchmark of `bankruptcy.monitoring`: false alarms, power, speed, label-free estimate, gate.

    OMP_NUM_THREADS=1 BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_monitoring.py \
        --trials 200 --evidently-python .venv-evidently/bin/python

Prints, each against its goal:

1. drift: dataset-level false alarms on windows of 200, 500 and 2,000 rows without shift,
   and power against +0.15 robust sd in 8 of the 64 Polish ratios. Reference (5,000 rows)
   and window are drawn disjointly from one Polish year per trial (year 1: 7,027 rows),
   so every trial has its own reference sample. Evidently's default dataset rule runs on
   the same saved windows in its own environment (``scripts/evidently_venv.sh``).
2. timing: one report on 64 columns x 5,000 reference x 2,000 current rows (median of 5),
   its parts, and the HTML page separately.
3. cbpe: label-free ROC-AUC of a calibrated model trained on American firm-years
   1999-2011, against the realized ROC-AUC of each year 2012-2018 (derived file).
4. gate: wrong promotions of seed twins and promotions of a challenger better by 0.03
   ROC-AUC, per evaluation-window size, on a Polish year-3 hold-out.
5. verdict: the performance verdicts of the default package (Polish year 1, trained here, or
   ``--package JOB_DIR``) judged as the monitor judges them (the label-free estimate against
   the same estimate on the test rows, realized against realized): false alarms on the test
   rows themselves, bootstrap resamples of them and disjoint halves of them (goal: "no change"
   >= 95 %); power on Polish year-5 companies scored by the year-1 model, on a riskier mix of
   the test companies (only those above the median PD: the safer half gone) and on the test
   rows with 8 ratios shifted by +0.5 robust sd.

Parts can be chosen with ``--parts``; ``--trials`` sets the trials per drift/gate/verdict cell.
The script also serves as Evidently's worker (``--evidently-worker``), run by the
interpreter of Evidently's environment: that branch imports only NumPy, pandas and
Evidently.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = (200, 500, 2000)
REFERENCE_ROWS = 5000
SHIFTED_COLUMNS = 8
SHIFT_SD = 0.15
ALL_PARTS = ("drift", "timing", "cbpe", "gate", "verdict")


# --------------------------------------------------------------------------- windows


def make_windows(n_rows: int, n_columns: int, trials: int, seed: int) -> dict[str, np.ndarray]:
    """Row indices of every trial's reference and window, and the planted shifts' columns.

    Keys ``<scenario>_<size>_{reference,current,columns}`` for scenarios ``none`` and
    ``shift``; reference and window never share a row.
    """
    rng = np.random.default_rng(seed)
    windows = {}
    for scenario in ("none", "shift"):
        for size in SIZES:
            orders = np.array([rng.permutation(n_rows) for _ in range(trials)])
            key = f"{scenario}_{size}"
            windows[f"{key}_reference"] = orders[:, :REFERENCE_ROWS]
            windows[f"{key}_current"] = orders[:, REFERENCE_ROWS : REFERENCE_ROWS + size]
            windows[f"{key}_columns"] = np.array(
                [rng.choice(n_columns, SHIFTED_COLUMNS, replace=False) for _ in range(trials)]
            )
    return windows


def window_frames(X, windows: dict, key: str, trial: int):
    """Reference and current frames of one trial (no shift planted yet)."""
    reference = X.iloc[windows[f"{key}_reference"][trial]].reset_index(drop=True)
    current = X.iloc[windows[f"{key}_current"][trial]].reset_index(drop=True)
    return reference, current


def shift_amounts(reference, names) -> np.ndarray:
    """+0.15 robust sd of each named column: the reference's IQR / 1.349 (the library's scale)."""
    from bankruptcy.monitoring.measures import robust_scale

    return np.array([SHIFT_SD * robust_scale(reference[n].to_numpy()) for n in names])


def plant(current, names, amounts):
    """`current` with `amounts` added to the columns `names`."""
    return current.assign(**{n: current[n] + a for n, a in zip(names, amounts, strict=True)})


# --------------------------------------------------------------------------- evidently


def evidently_worker(folder: Path) -> None:
    """Run Evidently's default dataset-drift rule on the saved windows (Evidently's venv)."""
    import pandas as pd
    from evidently import Report
    from evidently.metrics import DriftedColumnsCount
    from evidently.presets import DataDriftPreset

    data = np.load(folder / "data.npz", allow_pickle=False)
    X = pd.DataFrame(data["X"], columns=[str(c) for c in data["columns"]])
    amounts = dict(np.load(folder / "amounts.npz"))
    windows = dict(np.load(folder / "windows.npz"))
    trials = len(windows["none_200_reference"])
    results = {}
    for scenario in ("none", "shift"):
        for size in SIZES:
            key = f"{scenario}_{size}"
            shares = []
            for trial in range(trials):
                reference, current = window_frames(X, windows, key, trial)
                if scenario == "shift":
                    names = X.columns[windows[f"{key}_columns"][trial]]
                    current = plant(current, names, amounts[key][trial])
                snapshot = Report([DriftedColumnsCount()]).run(
                    current_data=current, reference_data=reference
                )
                shares.append(snapshot.dict()["metrics"][0]["value"]["share"])
            results[key] = shares
            print(f"evidently {key}: {np.mean(np.array(shares) >= 0.5):.3f}", flush=True)
    reference, current = window_frames(X, windows, "none_2000", 0)
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        Report([DataDriftPreset()]).run(current_data=current, reference_data=reference).dict()
        seconds.append(time.perf_counter() - start)
    results["preset_seconds"] = seconds
    (folder / "evidently.json").write_text(json.dumps(results))


def run_evidently(python: str, folder: Path) -> dict | None:
    """Evidently's results on the windows saved in `folder`, or None (reason printed)."""
    done = subprocess.run(
        [python, __file__, "--evidently-worker", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"Evidently failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        return None
    return json.loads((folder / "evidently.json").read_text())


# --------------------------------------------------------------------------- drift


def rate(count: int, trials: int) -> str:
    """`count / trials` as a percentage with its Wilson 95 % interval."""
    from scipy import stats

    ci = stats.binomtest(count, trials).proportion_ci(method="wilson")
    return f"{count / trials:6.1%} [{ci.low:5.1%}, {ci.high:5.1%}]"


def drift_part(args) -> None:
    from bankruptcy.data.polish import load_polish
    from bankruptcy.monitoring import monitor

    X = load_polish(args.year).X
    windows = make_windows(len(X), X.shape[1], args.trials, seed=args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bench_monitoring_"))
    np.savez(folder / "data.npz", X=X.to_numpy(), columns=np.array(X.columns, dtype=str))
    np.savez(folder / "windows.npz", **windows)
    print(f"\n== 1. Feature drift: Polish year {args.year} ({len(X):,} rows x {X.shape[1]}) ==")
    print(
        f"per trial: reference {REFERENCE_ROWS:,} rows and a disjoint window, drawn at random; "
        f"shift: +{SHIFT_SD} x robust sd (reference IQR / 1.349) in {SHIFTED_COLUMNS} random "
        f"columns; {args.trials} trials per cell; rates with Wilson 95 % intervals"
    )
    ours, amounts = {}, {}
    seconds = []
    for scenario in ("none", "shift"):
        for size in SIZES:
            key = f"{scenario}_{size}"
            rows, planted = [], []
            for trial in range(args.trials):
                reference, current = window_frames(X, windows, key, trial)
                names = X.columns[windows[f"{key}_columns"][trial]]
                if scenario == "shift":
                    planted.append(shift_amounts(reference, names))
                    current = plant(current, names, planted[-1])
                start = time.perf_counter()
                report = monitor(
                    reference,
                    current,
                    np.zeros(100),
                    np.zeros(len(current)),
                    threshold=0.5,
                    calibrated=False,
                    seed=trial,
                )
                seconds.append(time.perf_counter() - start)
                found = set(report["drift"]["columns"])
                shifted = set(names) if scenario == "shift" else set()
                rows.append(
                    {
                        "dataset": report["drift"]["dataset"],
                        "univariate": report["drift"]["univariate"]["drift"],
                        "multivariate": report["drift"]["multivariate"]["drift"],
                        "found": len(found & shifted),
                        "false_columns": len(found - shifted),
                    }
                )
            ours[key] = rows
            if planted:
                amounts[key] = np.array(planted)
    np.savez(folder / "amounts.npz", **amounts)
    evidently = run_evidently(args.evidently_python, folder) if args.evidently_python else None

    n = args.trials
    print("\nno shift: share of windows flagged (false alarms; goal <= 5 %)")
    print(
        f"{'rows':>6} | {'ours: dataset':>23} | {'univariate':>23} | {'multivariate':>23} |"
        f" {'Evidently default':>23}"
    )
    for size in SIZES:
        rows = ours[f"none_{size}"]
        cells = [
            rate(sum(r[k] for r in rows), n) for k in ("dataset", "univariate", "multivariate")
        ]
        ev = _evidently_rate(evidently, f"none_{size}", n)
        print(f"{size:>6} | " + " | ".join(cells) + f" | {ev:>23}")
    print(
        f"\nshift +{SHIFT_SD} robust sd in {SHIFTED_COLUMNS} of 64 columns: share flagged "
        "(power; goal >= 90 % at 500 rows)"
    )
    print(
        f"{'rows':>6} | {'ours: dataset':>23} | {'univariate':>23} | shifted cols found |"
        f" other cols flagged | {'Evidently default':>23}"
    )
    for size in SIZES:
        rows = ours[f"shift_{size}"]
        cells = [rate(sum(r[k] for r in rows), n) for k in ("dataset", "univariate")]
        found = np.mean([r["found"] for r in rows]) / SHIFTED_COLUMNS
        other = np.mean([r["false_columns"] for r in rows])
        ev = _evidently_rate(evidently, f"shift_{size}", n)
        print(
            f"{size:>6} | " + " | ".join(cells) + f" | {found:>18.1%} | {other:>18.2f} | {ev:>23}"
        )
    print(
        f"\nours: {statistics.median(seconds):.3f} s median per window (monitor without "
        "CBPE; all sizes)"
    )
    if evidently is not None:
        print(
            "Evidently: DriftedColumnsCount() with default settings, i.e. DataDriftPreset's "
            "dataset rule (>= 50 % of columns drifted; per column: Wasserstein/std >= 0.1 "
            "above 1,000 reference rows); full DataDriftPreset on 5,000 x 2,000: "
            f"{statistics.median(evidently['preset_seconds']):.2f} s median of 3"
        )
    print(f"(saved windows: {folder})")


def _evidently_rate(results: dict | None, key: str, trials: int) -> str:
    if results is None:
        return "not run"
    return rate(int(np.sum(np.array(results[key]) >= 0.5)), trials)


# --------------------------------------------------------------------------- timing


def timing_part(args) -> None:
    from bankruptcy.data.polish import load_polish
    from bankruptcy.monitoring import monitor, write_html
    from bankruptcy.monitoring.drift import column_kinds, feature_drift
    from bankruptcy.monitoring.estimate import estimate_performance, reference_estimate
    from bankruptcy.monitoring.multivariate import domain_classifier_drift, encode

    X = load_polish(1).X
    order = np.random.default_rng(args.seed).permutation(len(X))
    reference = X.iloc[order[:REFERENCE_ROWS]]
    current = X.iloc[order[REFERENCE_ROWS : REFERENCE_ROWS + 2000]]
    rng = np.random.default_rng(1)
    ref_scores, cur_scores = rng.beta(0.3, 6, 1400), rng.beta(0.3, 6, 2000)
    ref_labels = (rng.random(1400) < ref_scores).astype(int)

    def median_seconds(call, repeats: int = 5) -> float:
        call()  # warm-up: first calls load code paths
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    kinds = column_kinds(reference)
    parts = {
        "monitor(), no labels (everything in the JSON)": lambda: monitor(
            reference, current, ref_scores, cur_scores, 0.2, True, reference_labels=ref_labels
        ),
        "monitor(), drift only (calibrated=False, no reference labels)": lambda: monitor(
            reference, current, ref_scores, cur_scores, 0.2, False
        ),
        "  per-column tests + Holm (feature_drift)": lambda: feature_drift(
            reference, current, 0.04, kinds
        ),
        "  domain classifier (encode + fit + test)": lambda: domain_classifier_drift(
            *encode(reference, current), alpha=0.01
        ),
        "  CBPE, 500 label draws": lambda: estimate_performance(cur_scores, 0.2, True),
        "  CBPE judged against the reference's (both estimates, 1,000 pooled samples)": (
            lambda: estimate_performance(
                cur_scores, 0.2, True, reference_estimate(ref_scores, 0.2, 1000)
            )
        ),
    }
    print("\n== 2. Timing: 64 columns x 5,000 reference rows x 2,000 current rows ==")
    print(
        "median of 5 after a warm-up, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')} (goal < 0.5 s; Evidently ~6 s)"
    )
    for name, call in parts.items():
        print(f"{median_seconds(call):8.3f} s  {name}")
    report = monitor(
        reference, current, ref_scores, cur_scores, 0.2, True, reference_labels=ref_labels
    )
    folder = Path(tempfile.mkdtemp(prefix="bench_monitoring_html_"))
    seconds = median_seconds(
        lambda: write_html(
            report, folder / "monitor.html", reference, current, ref_scores, cur_scores
        ),
        repeats=3,
    )
    print(f"{seconds:8.3f} s  HTML page with its figures (write_html, median of 3)")


# --------------------------------------------------------------------------- CBPE


def cbpe_part(args) -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator
    from sklearn.metrics import average_precision_score, roc_auc_score

    from bankruptcy.data.american import load_american
    from bankruptcy.monitoring import estimate_performance

    data = load_american(file="american_bankruptcy_partial.csv")
    years = data.time.to_numpy()
    X, y = data.X, data.y.to_numpy()

    def booster():
        return HistGradientBoostingClassifier(max_iter=200, random_state=args.seed)

    def held_out(method: str):
        """Booster on 1999-2009, calibrator on the held-out 2010-2011 rows."""
        early, late = years <= 2009, (years >= 2010) & (years <= 2011)
        fitted = booster().fit(X[early], y[early])
        return CalibratedClassifierCV(FrozenEstimator(fitted), method=method).fit(X[late], y[late])

    def cross_fitted(method: str):
        """Booster and calibrator on 5 internal folds of all 1999-2011 rows."""
        train = years <= 2011
        return CalibratedClassifierCV(booster(), method=method, cv=5).fit(X[train], y[train])

    print("\n== 3. Label-free ROC-AUC on American firm-years (derived partial file) ==")
    print(
        f"trained on 1999-2011 ({(years <= 2011).sum():,} rows); features X1..X18 raw; "
        "HistGradientBoosting(max_iter=200); estimate: 500 label draws, threshold 0.1; "
        "goal: MAE <= 0.03. The label is the company's final status on every one of its rows, "
        "so the failed share falls from 5.1 % (2012) to 1.3 % (2018)."
    )
    variants = {
        "isotonic, calibrated on held-out 2010-2011": lambda: held_out("isotonic"),
        "sigmoid, calibrated on held-out 2010-2011": lambda: held_out("sigmoid"),
        "isotonic, calibrated on 5 folds of 1999-2011": lambda: cross_fitted("isotonic"),
    }
    summary = {}
    for name, fit in variants.items():
        model = fit()
        errors, pr_errors = [], []
        print(f"\n{name}")
        print(
            f"{'year':>6} {'rows':>6} {'failed':>7} {'p mean':>7} | {'realized':>8} "
            f"{'estimated [95 % band]':>26} {'error':>7} | PR-AUC real / est"
        )
        for year in range(2012, 2019):
            rows = years == year
            p = model.predict_proba(X[rows])[:, 1]
            estimate = estimate_performance(p, 0.1, calibrated=True, seed=args.seed)
            auc, pr = estimate["metrics"]["roc_auc"], estimate["metrics"]["pr_auc"]
            realized, pr_real = roc_auc_score(y[rows], p), average_precision_score(y[rows], p)
            errors.append(auc["value"] - realized)
            pr_errors.append(pr["value"] - pr_real)
            print(
                f"{year:>6} {rows.sum():>6} {y[rows].mean():>7.2%} {p.mean():>7.2%} | "
                f"{realized:8.3f} {auc['value']:8.3f} [{auc['low']:.3f}, {auc['high']:.3f}]"
                f" {errors[-1]:+7.3f} | {pr_real:.3f} / {pr['value']:.3f}"
            )
        summary[name] = (
            np.mean(np.abs(errors)),
            np.max(np.abs(errors)),
            np.mean(np.abs(pr_errors)),
        )
    print("\nMAE of the ROC-AUC estimate over 2012-2018 (max) and of the PR-AUC estimate:")
    for name, (mae, worst, pr_mae) in summary.items():
        print(f"  {mae:.3f} ({worst:.3f})  PR-AUC {pr_mae:.3f}  {name}")


# --------------------------------------------------------------------------- gate


def gate_part(args) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from bankruptcy.data.polish import load_polish
    from bankruptcy.monitoring import promotion_gate

    data = load_polish(3, file="3year_rounded.arff")
    X_train, X_pool, y_train, y_pool = train_test_split(
        data.X, data.y.to_numpy(), test_size=0.5, stratify=data.y, random_state=args.seed
    )

    def model(seed: int) -> np.ndarray:
        booster = HistGradientBoostingClassifier(max_iter=200, max_features=0.5, random_state=seed)
        return booster.fit(X_train, y_train).predict_proba(X_pool)[:, 1]

    twins = [(model(2 * k), model(2 * k + 1)) for k in range(args.twin_pairs)]
    best = twins[0][1]
    # a champion worse by 0.03 on the pool: the challenger's logits plus fixed noise per row
    noise = np.random.default_rng(args.seed).normal(size=len(y_pool))
    logit = np.log(np.clip(best, 1e-6, 1 - 1e-6) / np.clip(1 - best, 1e-6, 1))

    def degraded(sigma: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(logit + sigma * noise)))

    target = roc_auc_score(y_pool, best) - 0.03
    low, high = 0.0, 10.0
    for _ in range(40):  # bisection: AUC falls as the noise grows
        mid = (low + high) / 2
        low, high = (mid, high) if roc_auc_score(y_pool, degraded(mid)) > target else (low, mid)
    worse = degraded(low)
    print("\n== 4. Promotion gate on Polish year 3 (derived file) hold-out ==")
    print(
        f"train {len(y_train):,} rows; pool {len(y_pool):,} rows ({y_pool.sum()} bankrupt). "
        f"Seed twins: {args.twin_pairs} pairs of HistGradientBoosting(max_features=0.5) "
        "differing only in random_state; pool ROC-AUC gains of the twins: "
        + ", ".join(f"{roc_auc_score(y_pool, b) - roc_auc_score(y_pool, a):+.4f}" for a, b in twins)
    )
    print(
        f"Better challenger: twin 0b (pool ROC-AUC {roc_auc_score(y_pool, best):.4f}) vs a "
        f"champion = its logits + N(0, {low:.2f}^2) fixed per row (pool ROC-AUC "
        f"{roc_auc_score(y_pool, worse):.4f}). Windows: rows drawn with replacement from the "
        f"pool, {args.trials} per cell; promotion rates with Wilson 95 % intervals."
    )
    rng = np.random.default_rng(args.seed + 1)
    margins = (0.0, 0.005, 0.01)
    header = " | ".join(f"{'margin ' + str(m):>44}" for m in margins)
    print(f"{'rows':>6} {'bankr.':>6} | {header}")
    print(
        f"{'':>13} | "
        + " | ".join(f"{'twins (goal <= 5 %)':>21} {'better (>= 80 %)':>22}" for _ in margins)
    )
    for size in args.gate_sizes:
        counts = {m: [0, 0] for m in margins}
        bankrupt = []
        for trial in range(args.trials):
            rows = rng.integers(0, len(y_pool), size)
            y = y_pool[rows]
            if y.min() == y.max():
                continue
            bankrupt.append(y.sum())
            twin_a, twin_b = twins[trial % len(twins)]
            for m in margins:
                for slot, (champion, challenger) in enumerate(((twin_a, twin_b), (worse, best))):
                    record = promotion_gate(
                        y, champion[rows], challenger[rows], margin=m, n_resamples=0
                    )
                    counts[m][slot] += record["promoted"]
        n = len(bankrupt)
        cells = " | ".join(
            f"{rate(counts[m][0], n):>21} {rate(counts[m][1], n):>22}" for m in margins
        )
        print(f"{size:>6} {np.mean(bankrupt):>6.0f} | {cells}")


# --------------------------------------------------------------------------- verdict

#: Job overrides of the package the verdict part trains (the default experiment, analyses off).
PACKAGE_JOB = ["dataset=polish", "dataset.year=1", "interpret=none", "plots=none",
               "bootstrap=none", "logger=none"]  # fmt: skip
#: Ratios shifted in the corrupted-inputs scenario (as tests/serving/test_monitor.py).
CORRUPTED = ["Attr1", "Attr3", "Attr6", "Attr9", "Attr13", "Attr21", "Attr35", "Attr48"]


def default_package(args) -> Path:
    """`args.package`, or the default experiment on Polish year 1 trained into a temp dir."""
    if args.package:
        return Path(args.package)
    out = Path(tempfile.mkdtemp(prefix="bench_monitoring_job_")) / "polish1"
    command = [sys.executable, "-m", "bankruptcy.run", *PACKAGE_JOB, f"hydra.run.dir={out}"]
    subprocess.run(command, cwd=Path(__file__).resolve().parents[1], check=True,
                   capture_output=True)  # fmt: skip
    return out


def verdict_part(args) -> None:
    from sklearn.metrics import roc_auc_score

    from bankruptcy.data.polish import load_polish
    from bankruptcy.monitoring.compare import REFERENCE, stream_seed
    from bankruptcy.monitoring.estimate import estimate_performance, reference_estimate
    from bankruptcy.monitoring.measures import robust_scale
    from bankruptcy.monitoring.realized import metric_draws, realized_performance
    from bankruptcy.serving.registry import open_model

    job = default_package(args)
    package = open_model(str(job))
    threshold = package.threshold
    _, reference = package.reference()
    p_ref, y_ref = reference["p_bankrupt"].to_numpy(), reference["y_true"].to_numpy()
    rows = pd.read_csv(job / "predictions.csv")["row"].to_numpy()
    year1, year5 = load_polish(1), load_polish(5)
    test_X = year1.X.loc[rows].reset_index(drop=True)
    p5, y5 = package.scores(year5.X[package.contract.names]), year5.y.to_numpy()
    corrupted = test_X.assign(
        **{c: test_X[c] + 0.5 * robust_scale(test_X[c].to_numpy()) for c in CORRUPTED}
    )
    p_corrupted = package.scores(corrupted[package.contract.names])
    n_ref = len(p_ref)

    def references(p, y, seed):
        """What the monitor compares a window with: estimate and realized on the test rows."""
        return (
            reference_estimate(p, threshold, 1000, stream_seed(seed, REFERENCE)),
            metric_draws(y, p, threshold, "proba", 1000, stream_seed(seed, REFERENCE)),
        )

    fixed = references(p_ref, y_ref, args.seed)
    rng = np.random.default_rng(args.seed)

    def resample(size):
        return lambda: (fixed, rng.integers(0, n_ref, size))

    def halves():
        order = rng.permutation(n_ref)
        a, b = order[: n_ref // 2], order[n_ref // 2 :]
        return references(p_ref[a], y_ref[a], args.seed), b

    scenarios = {
        "no shift: the test rows themselves": (p_ref, y_ref, lambda: (fixed, np.arange(n_ref))),
        f"no shift: bootstrap resamples of the test rows ({n_ref})": (
            p_ref,
            y_ref,
            resample(n_ref),
        ),
        "no shift: bootstrap resamples of the test rows (500)": (p_ref, y_ref, resample(500)),
        f"no shift: half the test rows vs the other half ({n_ref // 2})": (p_ref, y_ref, halves),
    }
    for size in (500, n_ref, 2000):
        scenarios[f"Polish year 5 ({len(y5):,} rows), {size} drawn"] = (
            p5, y5, lambda size=size: (fixed, rng.choice(len(y5), size, replace=False))
        )  # fmt: skip
    riskier = np.flatnonzero(p_ref > np.median(p_ref))
    for size in (500, n_ref):
        scenarios[f"riskier mix: only PDs above the median ({size} drawn)"] = (
            p_ref, y_ref, lambda size=size: (fixed, rng.choice(riskier, size))
        )  # fmt: skip
    scenarios[f"test rows, 8 ratios +0.5 robust sd ({n_ref})"] = (
        p_corrupted, y_ref, lambda: (fixed, np.arange(n_ref))
    )  # fmt: skip

    print(f"\n== 5. Performance verdicts of the default package ({job}) ==")
    print(
        f"{n_ref:,} test rows ({int(y_ref.sum())} bankrupt), realized ROC-AUC "
        f"{roc_auc_score(y_ref, p_ref):.3f}, threshold {threshold:.3f}. Per window: the "
        "label-free verdict (estimate vs the same estimate on the reference rows) and the "
        "realized verdict (vs the reference's realized metrics), each over its metrics at "
        f"95 % family confidence; {args.trials} trials per random scenario; shares with Wilson "
        "95 % intervals. Goal: 'no change' >= 95 % without shift."
    )
    print(
        f"{'window':<58} | {'label-free worse':>23} {'changed':>23} | "
        f"{'realized worse':>23} {'changed':>23} | est./real. ROC-AUC"
    )
    for name, (p, y, draw) in scenarios.items():
        trials = 1 if "themselves" in name or "8 ratios" in name else args.trials
        counts = np.zeros(4, dtype=int)
        aucs = []
        for trial in range(trials):
            (estimate_ref, realized_ref), window = draw()
            estimated = estimate_performance(p[window], threshold, True, estimate_ref, seed=trial)
            realized = realized_performance(
                y[window].astype(float), p[window], threshold, "proba", realized_ref, seed=trial
            )
            verdicts = [estimated["verdict"], realized.get("verdict", "no change")]
            counts += [v == "worse" for v in verdicts] + [v != "no change" for v in verdicts]
            aucs.append((estimated["metrics"]["roc_auc"]["value"],
                         roc_auc_score(y[window], p[window])))  # fmt: skip
        est, real = np.mean(aucs, axis=0)
        cells = [rate(int(counts[k]), trials) for k in (0, 2, 1, 3)]
        print(
            f"{name:<58} | {cells[0]:>23} {cells[1]:>23} | {cells[2]:>23} {cells[3]:>23} | "
            f"{est:.3f} / {real:.3f}",
            flush=True,
        )


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(ALL_PARTS), help="comma-separated parts")
    parser.add_argument("--trials", type=int, default=200, help="trials per drift/gate cell")
    parser.add_argument("--year", type=int, default=1, help="Polish year of the drift part")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--evidently-python", help="python of Evidently's environment")
    parser.add_argument("--twin-pairs", type=int, default=5)
    parser.add_argument(
        "--gate-sizes",
        type=lambda s: [int(v) for v in s.split(",")],
        default=[1000, 2000, 2500, 3000, 4000, 5000],
    )
    parser.add_argument("--package", help="job dir of the verdict part (default: trains one)")
    parser.add_argument("--evidently-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.evidently_worker:
        evidently_worker(args.evidently_worker)
        return
    print(
        f"python {sys.version.split()[0]}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at start"
    )
    for part in args.parts.split(","):
        parts = {
            "drift": drift_part,
            "timing": timing_part,
            "cbpe": cbpe_part,
            "gate": gate_part,
            "verdict": verdict_part,
        }
        parts[part](args)


if __name__ == "__main__":
    main()
