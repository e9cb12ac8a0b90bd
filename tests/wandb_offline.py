"""Read an offline W&B run back from disk (its ``.wandb`` transaction log): what tests check.

The file format is parsed by `bankruptcy.tracking.offline`; this module flattens a run into
plain dicts that tests index by the logged keys, and loads the tables the run logged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from bankruptcy.tracking.offline import records
from bankruptcy.tracking.offline import run_dirs as wandb_run_dirs

__all__ = ["read_offline_run", "read_table", "wandb_run_dirs"]


def read_offline_run(run_dir: str | Path) -> dict:
    """``config, history, summary, files, artifacts, tags, group, job_type, id`` of a run."""
    run = {"config": {}, "history": [], "summary": {}, "files": [], "tags": [], "group": None}
    run["artifacts"] = []
    for record in records(run_dir):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run["tags"] = list(record.run.tags)
            run["group"] = record.run.run_group
            run["job_type"], run["id"] = record.run.job_type, record.run.run_id
            _update(run["config"], record.run.config.update)
        elif kind == "config":
            _update(run["config"], record.config.update)
        elif kind == "history":
            row = {}
            _update(row, record.history.item)
            run["history"].append(row)
        elif kind == "summary":
            _update(run["summary"], record.summary.update)
        elif kind == "files":
            run["files"] += [f.path for f in record.files.files]
        elif kind == "artifact":
            artifact = record.artifact
            paths = [entry.path for entry in artifact.manifest.contents]
            run["artifacts"].append({"type": artifact.type, "name": artifact.name, "files": paths})
    return run


def read_table(run_dir: str | Path, key: str) -> pd.DataFrame:
    """The table a run logged under `key` (its last version), from the run's files."""
    rows = [r for r in read_offline_run(run_dir)["history"] if f"{key}/path" in r]
    assert rows, f"{run_dir} logged no table {key!r}"
    data = json.loads((Path(run_dir) / "files" / rows[-1][f"{key}/path"]).read_text())
    return pd.DataFrame(data["data"], columns=data["columns"])


def _update(target: dict, items) -> None:
    """Merge protobuf key/JSON-value items into `target`."""
    for item in items:
        key = item.key or "/".join(item.nested_key)
        target[key] = json.loads(item.value_json)
