"""W&B runs as written on disk: what a run logged, read back from its ``.wandb`` file.

An offline run (``WANDB_MODE=offline``; ``wandb sync`` uploads it unchanged) is one
transaction log in LevelDB's format: a 7-byte header, then 32 KiB blocks of records, each
with a 7-byte header (crc32, length, type) and a serialized ``wandb_internal_pb2.Record``
as payload; a payload may span blocks (first/middle/last parts). The W&B SDK ships the
protobuf classes but no Python reader of the file, hence this one.
"""

from __future__ import annotations

import json
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = 32 * 1024
RECORD_HEADER = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def run_dirs(directory: str | Path) -> list[Path]:
    """Offline/online run folders W&B wrote under ``<directory>/wandb``, oldest first."""
    return sorted(p for p in (Path(directory) / "wandb").glob("*run-*") if p.is_dir())


def payloads(data: bytes) -> Iterator[bytes]:
    """The raw record payloads of a ``.wandb`` file's bytes, in order."""
    position, pending = 7, b""
    while position + RECORD_HEADER.size <= len(data):
        room = BLOCK - position % BLOCK
        if room < RECORD_HEADER.size:  # block trailer padding
            position += room
            continue
        _, length, kind = RECORD_HEADER.unpack_from(data, position)
        position += RECORD_HEADER.size
        chunk = data[position : position + length]
        position += length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            yield pending + chunk
        else:  # zero padding at the end of the file
            break


def records(run_dir: str | Path) -> Iterator:
    """The ``wandb_internal_pb2.Record`` objects of the run in `run_dir`, in order."""
    from wandb.proto import wandb_internal_pb2 as pb

    (path,) = Path(run_dir).glob("run-*.wandb")
    for payload in payloads(path.read_bytes()):
        record = pb.Record()
        record.ParseFromString(payload)
        yield record


@dataclass
class LoggedRun:
    """What one W&B run logged, as the W&B app will see it after ``wandb sync``.

    Attributes
    ----------
    path : Path
        The run folder.
    id, name, group, job_type, project, entity : str
        The run's identity (``id`` is what W&B filters and pins runs by; an offline run's
        entity is empty until it is synced).
    config : dict
        The run config, nested (W&B's ``_wandb`` entries included).
    summary : dict
        Final values by key (a table or image: a dict of its fields).
    history_keys : set of str
        Every key logged as a history row (a table or image: its key, e.g.
        ``charts/roc_test_table``).
    """

    path: Path
    id: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    project: str = ""
    entity: str = ""
    config: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    history_keys: set[str] = field(default_factory=set)

    def config_value(self, dotted: str, default: object = None) -> object:
        """The config value at a dotted path (``model.C``), as W&B's ``Config("model.C")``."""
        value: object = self.config
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value

    @property
    def charts(self) -> dict[str, dict]:
        """The run's custom charts: key -> the panel config ``wandb.plot_table`` logged."""
        return dict(self.config_value("_wandb.visualize", None) or {})


def read_run(run_dir: str | Path) -> LoggedRun:
    """Read the run in `run_dir` (a folder holding ``run-<id>.wandb``)."""
    run = LoggedRun(Path(run_dir))
    for record in records(run_dir):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.id, run.name = record.run.run_id, record.run.display_name
            run.group, run.job_type = record.run.run_group, record.run.job_type
            run.project, run.entity = record.run.project, record.run.entity
            _set_nested(run.config, record.run.config.update)
        elif kind == "config":
            _set_nested(run.config, record.config.update)
        elif kind == "history":
            # a table's fields arrive as nested keys (key, "_type"), ...: keep the key
            run.history_keys.update(i.key or i.nested_key[0] for i in record.history.item)
        elif kind == "summary":
            _set_nested(run.summary, record.summary.update)
    return run


def main_group(runs: list[LoggedRun]) -> str | None:
    """The W&B group most of `runs` were logged to (None when none has a group).

    A sweep's record of its group: ``multirun.yaml`` keeps ``hydra.sweep.dir`` unresolved.
    """
    groups = Counter(run.group for run in runs if run.group)
    return groups.most_common(1)[0][0] if groups else None


def find_runs(directory: str | Path) -> list[LoggedRun]:
    """Every W&B run written anywhere under `directory`, in path order."""
    folders = {p.parent for p in Path(directory).glob("**/wandb/*run-*/run-*.wandb")}
    return [read_run(folder) for folder in sorted(folders)]


def _set_nested(config: dict, items) -> None:
    """Merge logged items into `config`; a nested key sets a value inside its parents."""
    for item in items:
        path = [item.key] if item.key else list(item.nested_key)
        target = config
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = json.loads(item.value_json)
