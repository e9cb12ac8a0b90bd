"""The production loop on files as they really come: a prediction log torn by a crash, an empty
log folder, another model version's log, and new labelled rows sorted by the label with the
data's own label values (``failed`` / ``alive``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankruptcy.cli.monitor import main as monitor_main
from bankruptcy.core.errors import UserError
from bankruptcy.experiment.job import JobInfo, run_job
from bankruptcy.experiment.outputs import PACKAGE_DIR
from bankruptcy.monitoring.production import monitor_window
from bankruptcy.serving import registry
from bankruptcy.serving.predlog import PredictionLog
from tests.conftest import compose_config
from tests.helpers import NO_ANALYSES

ROWS_PER_REQUEST = 300


@pytest.fixture(scope="module")
def rows(data_dir) -> pd.DataFrame:
    """900 rows of Polish year 5 (the job's own data), model inputs only."""
    from bankruptcy.data.polish import load_polish

    X = load_polish(5, data_dir=data_dir).X
    return X.iloc[np.random.default_rng(1).choice(len(X), 900, replace=False)]


def write_log(folder: Path, frame: pd.DataFrame, version=1, name="polish5") -> Path:
    """A log as the service writes it: one scored request per 300 rows, in the columns form."""
    log = PredictionLog(folder, fsync_seconds=None)
    for k, start in enumerate(range(0, len(frame), ROWS_PER_REQUEST)):
        part = frame.iloc[start : start + ROWS_PER_REQUEST]
        log.append(
            {
                "ts": f"2026-11-0{k + 1}T00:00:00",
                "request": f"r{k}",
                "model": {"name": name, "version": version},
                "status": "scored",
                "form": "columns",
                "inputs": {c: part[c].tolist() for c in part},
                "outputs": {"p_bankrupt": [0.1] * len(part)},
            }
        )
    log.close()
    return log.path


def tear_last_line(path: Path) -> None:
    """Cut the last line in half, as a machine dying mid-write leaves it."""
    data = path.read_bytes()
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[: last + (len(data) - last) // 2])


def test_a_torn_last_line_is_skipped_counted_and_reported(job_dir, rows, tmp_path, capsys):
    path = write_log(tmp_path / "log", rows)
    tear_last_line(path)
    out = tmp_path / "out"
    args = [str(job_dir), str(tmp_path / "log"), "--out", str(out), "--logger", "none"]
    assert monitor_main(args) == 0
    report = json.loads((out / "monitor.json").read_text())
    assert report["n_rows"] == 600  # the two whole requests: nothing else lost
    assert report["log"]["lines_skipped"] == 1
    assert report["log"]["skipped_at"] == [f"{path.name}:3"]
    printed = capsys.readouterr().out
    assert "1 line(s) skipped, not complete records" in printed and f"{path.name}:3" in printed
    assert "1 line(s) skipped" in (out / "monitor.html").read_text()


def test_empty_log_folders_say_what_is_missing(job_dir, rows, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no prediction log files"):
        monitor_window(str(job_dir), tmp_path / "empty", tmp_path / "o1", logger="none")
    torn = write_log(tmp_path / "torn", rows.iloc[:ROWS_PER_REQUEST])
    tear_last_line(torn)  # the only line
    with pytest.raises(UserError, match=r"no scored rows .*\(1 line\(s\) are not complete rec"):
        monitor_window(str(job_dir), tmp_path / "torn", tmp_path / "o2", logger="none")
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_a_log_of_another_model_version_is_monitored_and_says_so(job_dir, rows, tmp_path):
    write_log(tmp_path / "log", rows, version=7, name="polish")
    report = monitor_window(str(job_dir), tmp_path / "log", tmp_path / "out", logger="none")
    assert report["n_rows"] == 900
    assert report["log"]["served_by"] == {"polish v7": 900}
    assert report["log"]["monitored"] == f"{job_dir.name} vNone"
    assert "monitored as" in (tmp_path / "out" / "monitor.html").read_text()


# --- retraining on the American firm-years: labels failed/alive, a `year` time column ---

AMERICAN = "american/american_bankruptcy_partial.csv"
CHAMPION = [
    "dataset=csv", "dataset.target=status_label", "dataset.positive=failed",
    "dataset.time=year", "dataset.group=company_name", "model=logistic",
    "protocol.n_splits=3", "logger=none", "threads=1", *NO_ANALYSES,
    "target=ever",  # the data's own labels (a random sample of firm-years is no panel)
]  # fmt: skip


@pytest.fixture(scope="module")
def american_files(data_dir, tmp_path_factory) -> dict[str, Path]:
    """The champion's training file (4,000 firm-years up to 2011) and new rows (3,000 of
    2012-2018) sorted by the label, with and without their year column."""
    frame = pd.read_csv(data_dir / AMERICAN)
    rng = np.random.default_rng(0)
    old = frame[frame.year <= 2011]
    new = frame[frame.year > 2011]
    folder = tmp_path_factory.mktemp("american")
    files = {"champion": folder / "champion.csv", "new": folder / "new.csv"}
    old.iloc[rng.choice(len(old), 4000, replace=False)].to_csv(files["champion"], index=False)
    new = new.iloc[rng.choice(len(new), 3000, replace=False)]
    new = new.sort_values("status_label", kind="stable")  # "alive" first, "failed" last
    new.to_csv(files["new"], index=False)
    files["no_year"] = folder / "new_no_year.csv"
    new.drop(columns="year").to_csv(files["no_year"], index=False)
    return files


@pytest.fixture(scope="module")
def american_champion(american_files, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("champion") / "job"
    cfg = compose_config([f"dataset.path={american_files['champion']}", *CHAMPION])
    run_job(cfg, JobInfo(out, name="american"))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "time", "split"),
    [
        ("new", None, "by year: the latest 900 rows"),  # the champion's time column
        ("new", "year", "by year: the latest 900 rows"),
        ("no_year", None, "at random, stratified by the label (seed 42)"),
    ],
)
def test_retrain_on_label_sorted_rows_with_the_datas_own_labels(
    american_files, american_champion, registry_db, tmp_path, file, time, split
):
    from bankruptcy.monitoring.retraining import retrain

    new = pd.read_csv(american_files[file])
    gate = round(0.3 * len(new))
    # file order taken for time leaves only operating firms to train on: the old refusal
    assert set(new["status_label"].iloc[:-gate]) == {"alive"}
    assert set(new["status_label"]) == {"alive", "failed"}  # not 0/1
    registry.register(american_champion / PACKAGE_DIR, "american", alias="champion")
    record = retrain(
        "american", american_files[file], "status_label", tmp_path / "r", logger="none",
        time_column=time,
    )  # fmt: skip
    written = json.loads((tmp_path / "r" / "decision.json").read_text())
    assert written["gate_split"].startswith(split) and written["rows"]["gate"] == gate
    assert {"promoted", "p_value", "champion", "challenger"} <= set(written)
    versions = {v.version: v.aliases for v in registry.list_versions("american")}
    assert "challenger" in versions[2] and ("champion" in versions[2]) == record["promoted"]
    package = tmp_path / "r" / "challenger" / PACKAGE_DIR / "package.json"
    challenger = json.loads(package.read_text())
    label = challenger["contract"]["label"]
    assert label["bankrupt_value"] == "failed" and label["values"] == ["alive", "failed"]
    assert challenger["data"]["time"] == ("year" if file == "new" else None)


def test_retrain_refuses_labels_the_champion_never_had(american_files, american_champion, tmp_path):
    from bankruptcy.monitoring.retraining import read_new_rows
    from bankruptcy.serving.package import ModelPackage

    new = pd.read_csv(american_files["new"]).replace({"status_label": {"failed": "bankrupt"}})
    new.to_csv(tmp_path / "odd.csv", index=False)
    champion = ModelPackage.load(american_champion / PACKAGE_DIR)
    with pytest.raises(UserError, match=r"holds \['bankrupt'\]; use \['alive', 'failed'\]"):
        read_new_rows(champion, tmp_path / "odd.csv", "status_label", 0.3)
    with pytest.raises(UserError, match="no time column 'fiscal_year'"):
        read_new_rows(champion, american_files["new"], "status_label", 0.3, "fiscal_year")
    assert os.listdir(tmp_path) == ["odd.csv"]  # nothing written


def test_monitor_reads_outcomes_in_the_datas_own_labels(
    american_files, american_champion, tmp_path
):
    report = monitor_window(
        str(american_champion), american_files["new"], tmp_path, labels="status_label",
        logger="none",
    )  # fmt: skip
    realized = report["performance"]["realized"]
    assert realized["status"] == "ok" and realized["n_labelled"] == 3000
    assert report["columns_ignored"] == ["company_name", "year"]


@pytest.fixture(scope="module")
def horizon_files(data_dir, tmp_path_factory) -> dict[str, Path]:
    """Whole firms: a champion's panel up to 2011 (outcomes as of 2011: a firm that failed
    later was alive then) and the same firms' statements of 2012-2018, final outcomes."""
    frame = pd.read_csv(data_dir / AMERICAN)
    firms = frame["company_name"].drop_duplicates().sample(2500, random_state=0)
    panel = frame[frame["company_name"].isin(firms)].copy()
    last = panel.groupby("company_name")["year"].transform("max")
    old = panel[panel["year"] <= 2011].copy()
    old.loc[last > 2011, "status_label"] = "alive"
    folder = tmp_path_factory.mktemp("horizon")
    files = {"champion": folder / "champion.csv", "new": folder / "new.csv"}
    old.to_csv(files["champion"], index=False)
    panel[panel["year"] > 2011].to_csv(files["new"], index=False)
    return files


@pytest.mark.slow
def test_retrain_a_horizon_model_gates_on_matured_labels(horizon_files, registry_db, tmp_path):
    """The challenger derives its labels and history on the joined panel; the gate scores the
    newest rows whose 1-year label has matured (not the last year's)."""
    from bankruptcy.monitoring.retraining import retrain

    overrides = [o for o in CHAMPION if o != "target=ever"]  # target=auto: 1 year
    concepts = (
        "+dataset.concepts={liabilities_to_assets: 'X17 / X10', net_income_to_assets: 'X6 / X10'}"
    )
    cfg = compose_config([f"dataset.path={horizon_files['champion']}", *overrides, concepts])
    run_job(cfg, JobInfo(tmp_path / "champion", name="panel"))
    registry.register(tmp_path / "champion" / PACKAGE_DIR, "panel", alias="champion")
    record = retrain("panel", horizon_files["new"], "status_label", tmp_path / "r", logger="none")
    from bankruptcy.horizons.labels import Panel

    new = pd.read_csv(horizon_files["new"])
    failed = (new["status_label"] == "failed").astype(int)
    _, matured = Panel.of(new["year"], new["company_name"], failed, "new").within(1)
    gate = np.argsort(new["year"].to_numpy(), kind="stable")[-round(0.3 * len(new)) :]
    assert 0 < record["rows"]["gate"] == matured[gate].sum() < len(gate)
    assert not matured[new["year"].to_numpy() == 2018].any()
    assert "matured 1-year label" in record["gate_split"]
    challenger = json.loads(
        (tmp_path / "r" / "challenger" / PACKAGE_DIR / "package.json").read_text()
    )
    assert challenger["horizons"]["main"] == 1 and challenger["history"]["lags"] == 1
    # the joined panel: the champion's statements and the new ones, labelled by horizon,
    # the history rebuilt on it (panel features: the concepts' ratios and their changes)
    assert challenger["data"]["rows"] > len(new)
    assert "liabilities_to_assets" in challenger["config"]["preprocess"]["features"]["ratios"]
