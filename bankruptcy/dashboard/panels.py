"""The sections and panels of a sweep's dashboard, each built only from keys its runs logged.

A panel is added only when the runs it draws logged every key it names (summary metrics,
history series, config keys, chart tables), so that nothing in the dashboard stays empty
after ``wandb sync``; a whole section is left out when none of its panels applies (e.g.
monitoring, until the deployment monitor has logged runs to the sweep's group).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import wandb_workspaces.reports.v2 as wr
from wandb_workspaces import expr

from bankruptcy.dashboard.sweep import MONITOR_JOB_TYPE, SweepRuns
from bankruptcy.tracking.keys import CHARTS, CHOICE
from bankruptcy.tracking.offline import LoggedRun

#: Keys of the deployment monitor's runs (job type "monitor"), by panel title.
MONITOR_PANELS = {
    "Share of drifted features": ["monitor/drift_share"],
    "Score PSI (prediction drift)": ["monitor/score_psi"],
    "ROC-AUC: estimated (label-free) vs realized": [
        "monitor/roc_auc_estimated",
        "monitor/roc_auc_realized",
    ],
}
#: The jobs' test-set charts overlaid in the "test curves" section.
TEST_CURVES = {f"{CHARTS}roc_test": "ROC curve", f"{CHARTS}pr_test": "Precision-recall curve"}
#: Summary metrics pinned in the runs table beside the objective, when logged.
TABLE_METRICS = ("test/roc_auc", "test/pr_auc", "fit_seconds")


@dataclass
class Section:
    """A titled group of panels; in the report, a panel grid over the runs `filters` select.

    Attributes
    ----------
    name : str
        Section title.
    note : str
        One sentence saying what the panels show (the report's paragraph).
    panels : list
        ``wandb_workspaces`` panels.
    filters : list
        Filters, besides the sweep's group, of the runs the section's report grid draws.
    """

    name: str
    note: str
    panels: list
    filters: list = field(default_factory=list)


def summary_keys(runs: Iterable[LoggedRun]) -> set[str]:
    """Summary keys logged by any of `runs`."""
    return {key for run in runs for key in run.summary}


def history_keys(runs: Iterable[LoggedRun]) -> set[str]:
    """History keys logged by any of `runs`."""
    return {key for run in runs for key in run.history_keys}


def param_metric(param: str, jobs: list[LoggedRun]) -> wr.Config | None:
    """The run-config key of a swept override: its ``choice/<group>`` key for a config group
    (``model=svm``), its nested path for a value (``model.C=0.5``); None if no job logged it."""
    for key in (CHOICE + param, param):
        if any(run.config_value(key) is not None for run in jobs):
            return wr.Config(key)
    return None


def leaderboard_section(s: SweepRuns) -> Section:
    """The summary run's leaderboard table and chart; the objective by job and its spread."""
    objective, std = s.objective, f"{s.objective}_std"
    logged = summary_keys(s.jobs)
    panels: list = []
    if s.summary is not None and "leaderboard" in s.summary.summary:
        panels.append(wr.WeavePanelSummaryTable(table_name="leaderboard"))
    if s.summary is not None and "leaderboard_chart" in s.summary.history_keys:
        panels.append(wr.MediaBrowser(title="Objective by job", media_keys=["leaderboard_chart"]))
    if objective in logged:
        panels.append(wr.BarPlot(title=f"{objective} by job", metrics=[objective]))
    if {objective, std} <= logged:
        panels.append(
            wr.ScatterPlot(
                title=f"{objective} vs its spread over the CV folds",
                x=wr.SummaryMetric(objective),
                y=wr.SummaryMetric(std),
            )
        )
    note = f"The sweep's jobs ranked by {objective} (cross-validation; the test set is unseen)."
    return Section("Leaderboard", note, panels)


def comparison_section(s: SweepRuns) -> Section:
    """Swept options, their importance, fit time and CV folds against the objective."""
    objective, jobs = s.objective, s.jobs
    logged = summary_keys(jobs)
    panels: list = []
    if objective in logged:
        params = [m for m in (param_metric(p, jobs) for p in s.board.params) if m is not None]
        if params:
            columns = [*params, wr.SummaryMetric(objective)]
            panels.append(
                wr.ParallelCoordinatesPlot(
                    title=f"Swept options vs {objective}",
                    columns=[wr.ParallelCoordinatesPlotColumn(metric=m) for m in columns],
                )
            )
        panels.append(wr.ParameterImportancePlot(with_respect_to=objective))
        if "fit_seconds" in logged:
            panels.append(
                wr.ScatterPlot(
                    title=f"Fit time vs {objective}",
                    x=wr.SummaryMetric("fit_seconds"),
                    y=wr.SummaryMetric(objective),
                )
            )
    stage, _, metric = objective.partition("/")
    fold = f"fold/{metric}"
    if stage == "cv" and {fold, "fold/index"} <= history_keys(jobs):
        panels.append(wr.LinePlot(title=f"{fold} per CV fold", x="fold/index", y=[fold]))
    note = "How the swept options, fit time and CV folds relate to the objective."
    filters = [expr.Metric("JobType").isin(sorted({run.job_type for run in jobs}))]
    return Section("Sweep comparison", note, panels, filters)


def curves_section(s: SweepRuns, top: int) -> Section:
    """The test ROC and PR curves overlaid, one colour per job; the report's grid draws the
    `top` best jobs only (the workspace: every job, best first)."""
    best = s.top(top)
    panels: list = []
    for key, title in TEST_CURVES.items():
        chart = next((run.charts[key] for run in best if key in run.charts), None)
        if chart is not None:
            panels.append(overlay(chart["panel_config"], f"{title}, test set, by job"))
    note = (
        f"Test-set curves of the best {len(best)} jobs by {s.objective}, one colour per job "
        "(hover for the threshold of each point)."
    )
    filters = [expr.Metric("ID").isin([run.id for run in best])]
    return Section("Test curves", note, panels, filters)


def overlay(config: dict, title: str) -> wr.CustomChart:
    """A panel drawing one chart key of every run it shows, from the chart a job logged."""
    return wr.CustomChart(
        query={"summaryTable": {"tableKey": table_key(config)}},
        chart_name=config["panelDefId"],
        chart_fields=dict(config["fieldSettings"]),
        chart_strings={**config["stringSettings"], "title": title},
    )


def table_key(config: dict) -> str:
    """The table key in the query of a panel config ``wandb.plot_table`` logged."""
    fields = config["userQuery"]["queryFields"][0]["fields"]
    (query,) = [f for f in fields if f["name"] == "summaryTable"]
    (arg,) = [a for a in query["args"] if a["name"] == "tableKey"]
    return arg["value"]


def monitoring_section(s: SweepRuns) -> Section:
    """The monitor runs' series (`MONITOR_PANELS`) that they logged."""
    logged = history_keys(s.monitors)
    panels = []
    for title, keys in MONITOR_PANELS.items():
        present = [key for key in keys if key in logged]
        if present:
            panels.append(wr.LinePlot(title=title, y=present))
    note = "The deployed model over time: input drift, score drift, estimated vs realized ROC-AUC."
    return Section("Monitoring", note, panels, [expr.Metric("JobType") == MONITOR_JOB_TYPE])


def sections(s: SweepRuns, top: int) -> list[Section]:
    """The dashboard's sections that have panels, in reading order."""
    built = [
        leaderboard_section(s),
        comparison_section(s),
        curves_section(s, top),
        monitoring_section(s),
    ]
    return [section for section in built if section.panels]


def table_columns(s: SweepRuns) -> list[str]:
    """Runs-table columns to pin: the objective, its CV spread and the headline test metrics."""
    logged = summary_keys(s.jobs)
    metrics = [s.objective, f"{s.objective}_std", *TABLE_METRICS]
    return [f"summary:{key}" for key in metrics if key in logged]
