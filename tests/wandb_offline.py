"""Read an offline W&B run back from disk (its ``.wandb`` transaction log): what tests check.

The file is a LevelDB-style log: a 7-byte header, then 32 KiB blocks of
records (7-byte header: crc32, length, type), each record a serialized
``wandb_internal_pb2.Record``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

BLOCK = 32 * 1024
RECORD_HEADER = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def wandb_run_dirs(directory: str | Path) -> list[Path]:
    """Offline/online run folders W&B wrote under ``<directory>/wandb``, oldest first."""
    return sorted(p for p in (Path(directory) / "wandb").glob("*run-*") if p.is_dir())


def _payloads(data: bytes):
    """Yield the raw record payloads of a ``.wandb`` file's bytes."""
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


def read_offline_run(run_dir: str | Path) -> dict:
    """Return ``{"config", "history", "summary", "files", "tags", "group"}`` of a run folder."""
    from wandb.proto import wandb_internal_pb2 as pb

    (path,) = Path(run_dir).glob("run-*.wandb")
    run = {"config": {}, "history": [], "summary": {}, "files": [], "tags": [], "group": None}
    for payload in _payloads(path.read_bytes()):
        record = pb.Record()
        record.ParseFromString(payload)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run["tags"] = list(record.run.tags)
            run["group"] = record.run.run_group
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
    return run


def _update(target: dict, items) -> None:
    """Merge protobuf key/JSON-value items into `target`."""
    for item in items:
        key = item.key or "/".join(item.nested_key)
        target[key] = json.loads(item.value_json)
