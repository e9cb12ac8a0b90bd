"""A sweep's dashboard as a W&B workspace view and a report (``wandb-workspaces``).

The workspace shows every run of the sweep's group, best first; the report repeats its
sections, each as a panel grid over just the runs it is about (the best jobs' curves, the
monitor runs). Offline, both are written as JSON: what ``save()`` would send to W&B.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import wandb_workspaces.reports.v2 as wr
import wandb_workspaces.workspaces as ws
from wandb_workspaces import expr

from bankruptcy.dashboard.panels import sections, table_columns
from bankruptcy.dashboard.sweep import TOP_JOBS, DashboardError, SweepRuns
from bankruptcy.tracking.wandb_tracker import has_api_key

#: The specification's file name in the sweep dir, beside the leaderboard.
SPEC_FILE = "dashboard.json"


def build(s: SweepRuns, top: int = TOP_JOBS) -> tuple[ws.Workspace, wr.Report]:
    """The workspace view and the report of the sweep `s`."""
    parts = sections(s, top)
    group = expr.Metric("Group") == s.group
    ascending = not s.board.maximize  # best first
    pinned = [run.id for run in [s.summary, *s.monitors] if run is not None]
    workspace = ws.Workspace(
        entity=s.entity,
        project=s.project,
        name=f"Sweep {s.group}",
        sections=[ws.Section(name=p.name, panels=p.panels, is_open=True) for p in parts],
        # every job in every panel: parallel coordinates and importance compare them all
        settings=ws.WorkspaceSettings(max_runs=max(10, len(s.jobs) + len(pinned))),
        runset_settings=ws.RunsetSettings(
            filters=expr.And(group),
            order=[expr.Ordering(expr.Summary(s.objective), ascending=ascending)],
            pinned_columns=table_columns(s),
            # W&B fetches pinned runs for every panel, whatever their rank by the objective
            # (the summary run's leaderboard, the monitor runs); it keeps at most 20
            pinned_runs=pinned[:20],
        ),
    )
    blocks: list = []
    for part in parts:
        runset = wr.Runset(
            entity=s.entity,
            project=s.project,
            name=part.name,
            filters=expr.And(group, *part.filters),
            order=[wr.OrderBy(wr.SummaryMetric(s.objective), ascending=ascending)],
        )
        grid = wr.PanelGrid(runsets=[runset], panels=part.panels)
        blocks += [wr.H2(part.name), wr.P(part.note), grid]
    report = wr.Report(
        project=s.project,
        entity=s.entity,
        title=f"Sweep {s.group}"[:128],
        description=f"{len(s.jobs)} jobs ranked by {s.objective}.",
        blocks=blocks,
    )
    return workspace, report


def specification(s: SweepRuns, top: int = TOP_JOBS) -> dict:
    """The dashboard as JSON-ready data: the sweep's identity, the workspace and the report."""
    workspace, report = build(s, top)
    # wandb-workspaces has no public serializer; _to_model() is what save() sends to W&B.
    dump = {"by_alias": True, "exclude_none": True, "mode": "json"}
    return {
        "sweep_dir": str(s.board.sweep_dir),
        "group": s.group,
        "entity": s.entity,
        "project": s.project,
        "objective": s.objective,
        "maximize": s.board.maximize,
        "top_jobs": [run.id for run in s.top(top)],
        "workspace": workspace._to_model().model_dump(**dump),
        "report": report._to_model().model_dump(**dump),
    }


def write(spec: dict, path: str | Path) -> Path:
    """Write `spec` as indented JSON to `path` (parents created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=1) + "\n")
    return path


def publish(s: SweepRuns, top: int = TOP_JOBS) -> list[str]:
    """Save the workspace view and the report to W&B; return their URLs.

    Raises
    ------
    DashboardError
        Without an API key, or when W&B refuses.
    """
    if not has_api_key():
        raise DashboardError(
            "--publish needs a W&B API key: run `wandb login` or set WANDB_API_KEY "
            "(and `wandb sync` the sweep's runs first)"
        )
    import wandb

    try:
        entity = s.entity or wandb.Api().default_entity
        workspace, report = build(replace(s, entity=entity), top)
        workspace.save()
        report.save()
    except Exception as error:  # network, permissions, unknown project: one line for the CLI
        raise DashboardError(f"publishing to W&B failed: {error}") from None
    return [workspace.url, report.url]


def panel_count(spec: dict) -> int:
    """Panels of the specification's workspace."""
    sections = spec["workspace"]["spec"]["section"]["panelBankConfig"]["sections"]
    return sum(len(section["panels"]) for section in sections)
