"""The sweep dashboard, built from a real multirun's offline W&B runs: every key it names logged.

The keys a specification references are read from its JSON here, panel type by panel type,
independently of how `bankruptcy.dashboard` chose them; the keys the runs logged are read
back from their ``.wandb`` files (`tests.wandb_offline`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from bankruptcy.cli.dashboard import main
from bankruptcy.evaluation.charts import MAX_POINTS
from bankruptcy.sweep.callback import sweep_group
from bankruptcy.tracking.wandb_tracker import WandbTracker
from tests.helpers import run_cli
from tests.wandb_offline import read_offline_run, read_table


@pytest.fixture(scope="module")
def sweep(data_dir, tmp_path_factory) -> Path:
    """Logistic regression and the prior-only dummy on Polish year 1, 2 folds, W&B offline.

    Hydra's default sweep dir (relative, dated), as a user gets it: ``multirun.yaml`` keeps
    that path unresolved.
    """
    base = tmp_path_factory.mktemp("dashboard")
    done = run_cli(
        "bankruptcy.run", "-m", "dataset=polish", "dataset.year=1", "model=logistic,dummy",
        "protocol.n_splits=2", "interpret=none", "bootstrap=none", "logger=wandb",
        f"paths.data_dir={data_dir}", "paths.output_dir=outputs", cwd=base,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    (sweep,) = base.glob("outputs/multirun/*/*")
    return sweep


def group_of(sweep: Path) -> str:
    """The W&B group of the sweep's runs: its dir as the jobs saw it (outputs/multirun/d/t)."""
    return sweep_group("/".join(sweep.parts[-4:]))


def runs_under(directory: Path) -> dict[str, tuple[Path, dict]]:
    """Every W&B run under `directory` by run id: its folder and what it logged."""
    folders = sorted(p.parent for p in directory.glob("**/wandb/*run-*/run-*.wandb"))
    runs = [(folder, read_offline_run(folder)) for folder in folders]
    return {run["id"]: (folder, run) for folder, run in runs}


def accessor(text: str) -> tuple[str, str]:
    """``summary:cv/pr_auc`` -> (summary, cv/pr_auc); ``config:model.value.C`` -> (config,
    model.C)."""
    section, name = text.split(":", 1)
    if section == "config":
        head, _, rest = name.partition(".value")
        name = head + rest
    return section, name


def picked_key(node) -> str:
    """The summary key a W&B Weave panel's expression picks."""
    if isinstance(node, dict):
        if node.get("name") == "pick":
            return node["inputs"]["key"]["val"]
        nodes = node.values()
    else:
        nodes = node if isinstance(node, list) else []
    found = [key for key in map(picked_key, nodes) if key]
    return found[0] if found else ""


def chart_table(config: dict) -> tuple:
    (runsets,) = config["userQuery"]["queryFields"]
    (query,) = [f for f in runsets["fields"] if f["name"] == "summaryTable"]
    columns = {c for c in config["fieldSettings"].values() if c}
    return ("table", query["args"][0]["value"], frozenset(columns))


PANEL_KEYS = {
    "Weave": lambda c: [("summary", picked_key(c))],
    "Media Browser": lambda c: [("history", k) for k in c["mediaKeys"]],
    "Bar Chart": lambda c: [("summary", k) for k in c["metrics"]],
    "Scatter Plot": lambda c: [accessor(c["xAxis"]), accessor(c["yAxis"])],
    "Parallel Coordinates Plot": lambda c: [accessor(col["accessor"]) for col in c["columns"]],
    "Parameter Importance": lambda c: [("summary", c["targetKey"])],
    "Run History Line Plot": lambda c: (
        [("history", k) for k in [*c["metrics"], c.get("xAxis")]]
        if c.get("xAxis", "_step") != "_step"
        else [("history", k) for k in c["metrics"]]
    ),
    "Vega2": lambda c: [chart_table(c)],
}


def references(spec: dict) -> tuple[list[str], list[tuple]]:
    """Panel types and everything the workspace and the report name: keys, filters, sorts."""
    section = spec["workspace"]["spec"]["section"]
    panels = [p for s in section["panelBankConfig"]["sections"] for p in s["panels"]]
    runsets = list(section["runSets"])
    for block in spec["report"]["spec"]["blocks"]:
        if block["type"] == "panel-grid":
            panels += block["metadata"]["panelBankSectionConfig"]["panels"]
            runsets += block["metadata"]["runSets"]
    refs = [ref for panel in panels for ref in PANEL_KEYS[panel["viewType"]](panel["config"])]
    for runset in runsets:
        refs += [(k["key"]["section"], k["key"]["name"]) for k in runset["sort"]["keys"]]
        refs += [accessor(c) for c in runset["runFeed"]["columnPinned"] if c != "run:displayName"]
        refs += [(f"run:{f['key']['name']}", f["value"]) for f in runset["filters"]["filters"]]
    return [p["viewType"] for p in panels], refs


def logged(runs: dict[str, tuple[Path, dict]], ref: tuple) -> bool:
    """Whether some run logged what `ref` names (a table: with the columns the chart draws)."""
    kind, key = ref[0], ref[1]
    every = [run for _, run in runs.values()]
    if kind == "summary":
        return any(key in r["summary"] or f"{key}/_type" in r["summary"] for r in every)
    if kind == "history":
        return any(key in row or f"{key}/_type" in row for r in every for row in r["history"])
    if kind == "config":
        head, *rest = key.split(".")
        values = [r["config"].get(head) for r in every]
        for part in rest:
            values = [v.get(part) if isinstance(v, dict) else None for v in values]
        return any(v is not None for v in values)
    if kind == "table":
        tables = [read_table(folder, key) for folder, _ in runs.values() if has_table(folder, key)]
        return bool(tables) and all(ref[2] <= set(t.columns) for t in tables)
    if kind == "run:group":
        return any(r["group"] == key for r in every)
    if kind == "run:name":  # a run's id
        return set(key) <= set(runs)
    if kind == "run:jobType":
        wanted = [key] if isinstance(key, str) else key
        return set(wanted) <= {r["job_type"] for r in every}
    raise AssertionError(f"unexpected reference {ref}")


def has_table(folder: Path, key: str) -> bool:
    return any(f"{key}/path" in row for row in read_offline_run(folder)["history"])


def check_consistent(spec: dict, runs: dict) -> list[str]:
    """Assert every reference of `spec` is logged by `runs`; return its panel types."""
    kinds, refs = references(spec)
    missing = [ref for ref in refs if not logged(runs, ref)]
    assert not missing, f"the dashboard names keys no run logged: {missing}"
    return kinds


@pytest.mark.slow
def test_each_job_logs_native_charts_and_its_config_choices(sweep):
    runs = runs_under(sweep)
    jobs = {run["config"]["choice/model"]: (folder, run) for folder, run in runs.values()
            if "choice/model" in run["config"]}  # fmt: skip
    assert set(jobs) == {"logistic", "dummy"}
    for folder, run in jobs.values():
        assert run["config"]["choice/dataset"] == "polish" and run["config"]["dataset"]["year"] == 1
        assert run["config"]["choice/preprocess/scaler"] == "robust"
        assert not any(key.startswith("choice/hydra") for key in run["config"])
        assert run["config"]["_wandb/visualize/charts/roc_test"]["panel_config"]["panelDefId"]
        for curve, x, y in (("roc", "fpr", "tpr"), ("pr", "recall", "precision")):
            test = read_table(folder, f"charts/{curve}_test_table")
            folds = read_table(folder, f"charts/{curve}_cv_table")
            assert list(test.columns) == ["class", x, y, "threshold"]
            assert set(test["class"]) == {"test"} and set(folds["class"]) == {"fold 0", "fold 1"}
            assert len(test) <= MAX_POINTS and folds.groupby("class").size().max() <= MAX_POINTS
            assert test[[x, y]].stack().between(0, 1).all()
        confusion = read_table(folder, "charts/confusion_table")
        assert confusion["nPredictions"].sum() == 1406  # the 20 % test split of 7,027 rows
    # logistic regression ranks the 1,406 test companies finely: a real, cut-down curve
    roc = read_table(jobs["logistic"][0], "charts/roc_test_table")
    assert 50 < len(roc) <= MAX_POINTS and roc["tpr"].iloc[-1] == 1
    assert len(read_table(jobs["dummy"][0], "charts/roc_test_table")) == 2  # one score: a line


@pytest.mark.slow
def test_dashboard_names_only_keys_the_sweeps_runs_logged(sweep, tmp_path):
    out = tmp_path / "view.json"
    done = run_cli("bankruptcy.dashboard", str(sweep), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    spec = json.loads(out.read_text())
    runs = runs_under(sweep)
    kinds = check_consistent(spec, runs)
    assert len(kinds) // 2 >= 6  # the workspace's panels, repeated in the report
    assert {"Parallel Coordinates Plot", "Parameter Importance", "Vega2", "Weave"} <= set(kinds)
    names = [s["name"] for s in spec["workspace"]["spec"]["section"]["panelBankConfig"]["sections"]]
    assert names == ["Leaderboard", "Sweep comparison", "Test curves"]
    assert spec["group"] == group_of(sweep) and spec["objective"] == "cv/pr_auc"
    # the sweep wrote the same dashboard itself, beside its leaderboard
    automatic = json.loads((sweep / "dashboard.json").read_text())
    assert references(automatic)[0] == kinds
    assert f"{len(kinds) // 2} panels" in done.stdout


@pytest.mark.slow
def test_monitoring_section_appears_with_monitor_runs_and_only_their_keys(sweep, tmp_path):
    copy = tmp_path / "models"
    shutil.copytree(sweep, copy)
    group = group_of(sweep)  # the copy's runs keep the group of the sweep they ran in
    tracker = WandbTracker(mode="offline")
    with tracker.start(
        name="monitor", config={}, directory=copy / "monitor", group=group, job_type="monitor"
    ):
        for week, drift in enumerate([0.0, 0.1, 0.4]):
            row = {"monitor/drift_share": drift, "monitor/score_psi": drift / 2}
            tracker.log_metrics({**row, "monitor/roc_auc_estimated": 0.9 - drift / 4}, step=week)
    assert main([str(copy), "--out", str(tmp_path / "view.json")]) == 0
    spec = json.loads((tmp_path / "view.json").read_text())
    check_consistent(spec, runs_under(copy))
    sections = spec["workspace"]["spec"]["section"]["panelBankConfig"]["sections"]
    monitoring = [s for s in sections if s["name"] == "Monitoring"]
    assert len(monitoring) == 1 and len(monitoring[0]["panels"]) == 3
    text = json.dumps(spec)
    assert "monitor/roc_auc_estimated" in text and "monitor/roc_auc_realized" not in text


@pytest.mark.slow
def test_publish_without_an_api_key_is_one_line(sweep, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc with a key
    assert main([str(sweep), "--out", str(tmp_path / "v.json"), "--publish"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "wandb login" in err[0]
    assert (tmp_path / "v.json").is_file()  # the offline specification is written first


def test_bad_sweep_dirs_are_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path} is not a sweep dir (no multirun.yaml): pass the hydra.sweep.dir of "
        "a multirun (python -m bankruptcy.run -m ...)"
    )
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump({"objective": "cv/pr_auc"}))
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "logged no W&B runs" in err[0] and "logger=wandb" in err[0]


def test_help_shows_an_example(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "python -m bankruptcy.dashboard outputs/sweeps/models" in capsys.readouterr().out
