"""Monitoring a served model: a window of rows against its package, written and logged."""

from __future__ import annotations

from pathlib import Path

from bankruptcy.monitoring import monitor, to_json, write_html
from bankruptcy.monitoring.horizons import realized_by_horizon
from bankruptcy.monitoring.window import load_window, model_label
from bankruptcy.serving.registry import open_model


def monitor_window(
    model: str,
    current: str | Path,
    out: Path,
    labels: str | None = None,
    since: str | None = None,
    until: str | None = None,
    logger: str = "wandb",
    seed: int = 0,
) -> dict:
    """Monitor `current` against `model`'s package; write ``monitor.json``/``.html`` in `out`.

    Parameters
    ----------
    model : str
        ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or a job dir.
    current : path
        A CSV/Parquet file or a prediction-log folder.
    out : Path
        Output folder (created).
    labels : str, optional
        Outcome column of the file.
    since, until : str, optional
        Time window of a prediction log.
    logger : {"wandb", "none"}
        Also log a W&B run (job type ``monitor``) in the model's group.
    seed : int
        Seed of the random steps (same inputs and seed, same report).
    """
    package = open_model(model)
    reference, reference_scores = package.reference()
    window = load_window(package, current, labels, since, until)
    # the package's output on its test rows: PDs where it has them, as the window's scores
    reference_output = reference_scores[package.output_column]
    report = monitor(
        reference,
        window.X,
        reference_output,
        window.scores,
        package.threshold,
        package.manifest["model"]["calibrated"],
        reference_labels=reference_scores["y_true"],
        labels=window.labels,
        rows_rejected=window.rejected,
        score_kind=package.score_kind,
        seed=seed,
    )
    if window.by_horizon is not None:
        years = package.horizons["years"]
        pds = package.horizon_pds(window.X)
        report["performance"]["by_horizon"] = realized_by_horizon(pds, window.by_horizon, years)
    report["model"] = {**package.origin, "sha256": package.manifest["model"]["sha256"]}
    report["source"] = window.source
    report["columns_ignored"] = window.ignored
    report["log"] = window.log and {**window.log, "monitored": model_label(package.origin)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "monitor.json").write_text(to_json(report) + "\n")
    page = write_html(
        report, out / "monitor.html", reference, window.X, reference_output, window.scores
    )
    if logger == "wandb":
        log_run(package, report, out, page)
    return report


def headline(report: dict) -> dict[str, float]:
    """The figures a monitor run logs (what the sweep dashboard's monitoring panels read)."""
    n_columns = max(1, len(report["columns"]))
    figures = {
        "monitor/drift": float(report["drift"]["dataset"]),
        "monitor/drift_share": len(report["drift"]["columns"]) / n_columns,
        "monitor/score_psi": report["scores"]["psi"],
        "monitor/score_ks_pvalue": report["scores"]["ks_pvalue"],
        "monitor/n_rows": report["n_rows"],
        "monitor/rows_rejected": report["quality"]["rows_rejected"],
        "monitor/log_lines_skipped": (report.get("log") or {}).get("lines_skipped"),
    }
    performance = report["performance"]
    for stage in ("reference_estimated", "estimated", "realized"):
        part = performance.get(stage) or {}
        metrics = part.get("metrics") or {}
        if "roc_auc" in metrics:
            figures[f"monitor/roc_auc_{stage}"] = metrics["roc_auc"]["value"]
        if "verdict" in part:  # 1 when some metric is worse than the reference's
            figures[f"monitor/{stage}_worse"] = float(part["verdict"] == "worse")
    return {k: v for k, v in figures.items() if v is not None}


def log_run(package, report: dict, out: Path, page: Path) -> None:
    """A W&B run of job type ``monitor`` in the model's group, holding the report."""
    from bankruptcy.tracking.wandb_tracker import WandbTracker

    tracking = package.manifest.get("tracking") or {}
    tracker = WandbTracker(project=tracking.get("project") or "bankruptcy")
    name = f"monitor-{package.origin.get('name')}"
    config = {"model": report["model"], "source": report["source"], "settings": report["settings"]}
    group = tracking.get("group") or f"model-{package.origin.get('name')}"
    with tracker.start(
        name=name, config=config, directory=out, group=group, tags=["monitor"], job_type="monitor"
    ):
        figures = headline(report)
        tracker.log_metrics(figures)
        tracker.log_summary(figures)
        tracker.log_file(out / "monitor.json")
        tracker.log_file(page)
