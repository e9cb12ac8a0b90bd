"""``python -m bankruptcy.monitor`` and ``python -m bankruptcy.retrain`` on the real package."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankruptcy.core.errors import UserError
from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.monitoring.html import performance_lines
from bankruptcy.monitoring.production import monitor_window
from bankruptcy.serving import registry
from bankruptcy.serving.package import REFERENCE_FEATURES, PackageError
from tests.helpers import run_cli
from tests.wandb_offline import read_offline_run, wandb_run_dirs

SHIFTED = ["Attr1", "Attr3", "Attr6", "Attr9", "Attr13", "Attr21", "Attr35", "Attr48"]


@pytest.fixture(scope="module")
def polish5(data_dir):
    from bankruptcy.data.polish import load_polish

    return load_polish(5, data_dir=data_dir)


@pytest.fixture(scope="module")
def own_rows(polish5, tmp_path_factory) -> Path:
    """1,500 rows of the model's own data, with their outcome in a ``bankrupt`` column."""
    rows = np.random.default_rng(0).choice(len(polish5.y), 1500, replace=False)
    frame = polish5.X.iloc[rows].reset_index(drop=True)
    frame["bankrupt"] = polish5.y.to_numpy()[rows]
    path = tmp_path_factory.mktemp("current") / "own.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def shifted_rows(own_rows, tmp_path_factory) -> Path:
    """The same rows with 8 ratios shifted by +0.5 of their standard deviation."""
    frame = pd.read_csv(own_rows)
    for column in SHIFTED:
        frame[column] += 0.5 * frame[column].std()
    path = tmp_path_factory.mktemp("current") / "shifted.csv"
    frame.to_csv(path, index=False)
    return path


def test_own_rows_show_no_drift_and_labels_give_realized_metrics(job_dir, own_rows, tmp_path):
    report = monitor_window(str(job_dir), own_rows, tmp_path, labels="bankrupt", logger="none")
    written = json.loads((tmp_path / "monitor.json").read_text())
    assert written["drift"]["dataset"] is False and report["drift"]["columns"] == []
    assert written["n_rows"] == 1500 and written["columns_ignored"] == []
    assert {"psi", "ks_pvalue"} <= set(written["scores"])
    assert written["scores"]["psi"] < 0.1
    assert "multivariate" in written["drift"] and "estimated" in written["performance"]
    realized = written["performance"]["realized"]["metrics"]["roc_auc"]["value"]
    assert realized > 0.9  # partly the training rows themselves
    assert (tmp_path / "monitor.html").read_text().count("<img") >= 3


def test_the_package_on_its_own_test_rows_reports_no_change(job_dir, test_rows, tmp_path):
    """The package's test rows, with their outcomes: the estimate equals the same estimate on
    the test rows' scores (no change, and not "worse" against the realized ROC-AUC), and
    realized equals the reference's realized metrics."""
    frame = pd.read_csv(test_rows)
    frame["bankrupt"] = pd.read_csv(job_dir / "predictions.csv")["y_true"].to_numpy()
    frame.to_csv(tmp_path / "own_test_rows.csv", index=False)
    report = monitor_window(
        str(job_dir), tmp_path / "own_test_rows.csv", tmp_path / "out", "bankrupt", logger="none"
    )
    estimated = report["performance"]["estimated"]
    realized = report["performance"]["realized"]
    assert estimated["metrics"]["roc_auc"]["difference"] == pytest.approx(0, abs=1e-12)
    assert realized["metrics"]["roc_auc"]["difference"] == pytest.approx(0, abs=1e-12)
    assert estimated["verdict"] == realized["verdict"] == "no change"
    lines = performance_lines(report["performance"])
    assert "Label-free verdict: no change" in "\n".join(lines)
    assert not any("worse" in line for line in lines)


def test_shifted_ratios_are_found_and_logged_to_wandb(job_dir, shifted_rows, tmp_path):
    report = monitor_window(str(job_dir), shifted_rows, tmp_path, labels="bankrupt")
    assert report["drift"]["dataset"] is True
    assert set(SHIFTED) <= set(report["drift"]["columns"])
    (run_dir,) = wandb_run_dirs(tmp_path)
    run = read_offline_run(run_dir)
    assert run["job_type"] == "monitor"
    logged = {k for row in run["history"] for k in row}
    assert {"monitor/drift_share", "monitor/score_psi", "monitor/roc_auc_realized"} <= logged
    assert run["summary"]["monitor/drift"] == 1.0


@pytest.mark.slow
def test_cli_exits_3_on_drift_only_when_asked(job_dir, own_rows, shifted_rows, tmp_path):
    cli = partial(run_cli, "bankruptcy.monitor", cwd=tmp_path)
    done = cli(str(job_dir), str(shifted_rows), "--out", "a", "--fail-on-drift", "--logger", "none")
    assert done.returncode == 3 and "drift: YES" in done.stdout
    done = cli(str(job_dir), str(own_rows), "--out", "b", "--fail-on-drift", "--logger", "none")
    assert done.returncode == 0 and "drift: no" in done.stdout
    done = cli(str(job_dir), str(own_rows), "--out", "b", "--logger", "none")
    assert done.returncode == 2 and "exists" in done.stderr  # nothing overwritten


def test_bad_windows_are_one_line_errors(job_dir, own_rows, tmp_path):
    frame = pd.read_csv(own_rows)
    cases = {
        "missing.csv": (frame.drop(columns=["Attr7", "Attr9"]), "missing feature column"),
        "few.csv": (frame.head(20), "at least 50"),
        "labels.csv": (frame.assign(bankrupt="yes"), "label column 'bankrupt' holds ['yes']"),
    }
    for name, (data, message) in cases.items():
        data.to_csv(tmp_path / name, index=False)
        with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
            monitor_window(
                str(job_dir), tmp_path / name, tmp_path / "out", "bankrupt", logger="none"
            )


def test_new_all_missing_and_text_columns_are_reported_not_fatal(job_dir, own_rows, tmp_path):
    frame = pd.read_csv(own_rows).drop(columns="bankrupt")
    frame["region"] = "north"  # not a model input
    frame["Attr21"] = np.nan  # all missing
    frame["Attr1"] = frame["Attr1"].astype(object)
    frame.loc[:9, "Attr1"] = "twelve"  # ten rows the contract rejects
    frame.to_csv(tmp_path / "odd.csv", index=False)
    report = monitor_window(str(job_dir), tmp_path / "odd.csv", tmp_path / "out", logger="none")
    assert report["columns_ignored"] == ["region"] and report["n_rows"] == 1490
    assert report["quality"]["rows_rejected"] == 10
    assert "Attr21" in report["quality"]["all_missing"]


def test_prediction_log_windows(job_dir, own_rows, tmp_path):
    from bankruptcy.serving.predlog import PredictionLog

    frame = pd.read_csv(own_rows).drop(columns="bankrupt")
    log = PredictionLog(tmp_path / "log", fsync_seconds=None)
    columns = {c: frame[c].tolist() for c in frame}
    base = {"request": "r", "model": {"name": "m", "version": 1}, "form": "columns"}
    log.append({**base, "ts": "2026-11-01T00:00:00", "status": "scored", "inputs": columns,
                "outputs": {"p_bankrupt": [0.1] * len(frame)}})  # fmt: skip
    log.append({**base, "ts": "2026-11-02T00:00:00", "status": "refused", "inputs": [{}, {}]})
    log.close()
    report = monitor_window(str(job_dir), tmp_path / "log", tmp_path / "out", logger="none")
    assert report["n_rows"] == 1500 and report["quality"]["rows_rejected"] == 2
    with pytest.raises(UserError, match="no scored rows between 2026-12-01 and the end"):
        monitor_window(str(job_dir), tmp_path / "log", tmp_path / "o2", since="2026-12-01")


def test_a_package_without_reference_statistics_says_how_to_fix_it(job_dir, own_rows, tmp_path):
    copy = tmp_path / "job"
    shutil.copytree(job_dir / PACKAGE_DIR, copy / PACKAGE_DIR)
    (copy / PACKAGE_DIR / REFERENCE_FEATURES).unlink()
    with pytest.raises(PackageError, match="no reference statistics; re-create it"):
        monitor_window(str(copy), own_rows, tmp_path / "out", logger="none")


def test_retrain_records_the_gate_and_moves_aliases_only_after_it(
    job_dir, polish5, registry_db, tmp_path
):
    from bankruptcy.monitoring.retraining import retrain

    registry.register(job_dir / PACKAGE_DIR, "polish5", alias="champion")
    predictions = pd.read_csv(job_dir / "predictions.csv")  # rows the champion never trained on
    new = polish5.X.loc[predictions["row"]].assign(bankrupt=predictions["y_true"].to_numpy())
    new = new.sample(frac=1.0, random_state=0)
    one_class = tmp_path / "one_class.csv"
    new[new["bankrupt"] == 0].to_csv(one_class, index=False)
    with pytest.raises(UserError, match="holds one class only"):
        retrain("polish5", one_class, "bankrupt", tmp_path / "r0", logger="none")
    assert [v.version for v in registry.list_versions("polish5")] == [1]  # nothing registered

    new.to_csv(tmp_path / "new.csv", index=False)
    record = retrain("polish5", tmp_path / "new.csv", "bankrupt", tmp_path / "r1", logger="none")
    written = json.loads((tmp_path / "r1" / "decision.json").read_text())
    assert {"promoted", "p_value", "margin", "champion", "challenger"} <= set(written)
    assert 0 <= written["p_value"] <= 1 and written["rows"]["gate"] == round(0.3 * len(new))
    versions = {v.version: v for v in registry.list_versions("polish5")}
    assert versions[2].aliases == (
        ["champion", "challenger"] if record["promoted"] else ["challenger"]
    )
    for version in (1, 2):
        tag = json.loads(versions[version].tags["promotion_decision"])
        assert tag["promoted"] == record["promoted"] and tag["challenger_version"] == 2
