"""The prediction log: every request the service answered, appended as JSON lines.

One file per server process and day (``predictions-<date>-<pid>.jsonl`` in the log folder),
one line per request: time, model name and version, request id, status (``scored``,
``recourse`` for recourse plans, or ``refused``), the inputs exactly as sent (rows or
columns), and the outputs by column or the problems. Monitoring reads the folder
(`read_log`: the scored rows).

A request's line goes out in one ``write`` call on a file opened for appending, before the
response is sent: once the kernel has it, a killed server loses nothing it acknowledged.
``fsync_seconds`` additionally flushes to disk that often, against a machine crash.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import orjson
import pandas as pd

PATTERN = "predictions-*.jsonl"
# the keys a record of each status has (a line with another status is not a record)
_ANSWERED = {"ts", "model", "request", "inputs", "outputs"}
_REQUIRED = {"scored": _ANSWERED, "recourse": _ANSWERED, "refused": {"ts"}}


class PredictionLog:
    """Append-only JSON-lines log of one server process.

    Parameters
    ----------
    directory : path
        Folder of the log files (created).
    fsync_seconds : float or None
        Flush the file to disk at most this often from a background thread; None: never
        (the kernel writes it back on its own schedule).
    """

    def __init__(self, directory: str | Path, fsync_seconds: float | None = 1.0):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"predictions-{time.strftime('%Y%m%d')}-{os.getpid()}.jsonl"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.lock = threading.Lock()
        self.dirty = False
        self.closed = threading.Event()
        if fsync_seconds:
            threading.Thread(target=self._sync, args=(fsync_seconds,), daemon=True).start()

    def append(self, record: dict) -> None:
        """Write `record` (JSON-ready; NaN becomes null) as one line, in one system call."""
        payload = orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n"
        with self.lock:
            written = 0
            while written < len(payload):  # a regular file takes it whole; loop for safety
                written += os.write(self.fd, payload[written:])
            self.dirty = True

    def _sync(self, seconds: float) -> None:
        while not self.closed.wait(seconds):
            if self.dirty:
                self.dirty = False
                os.fsync(self.fd)

    def close(self) -> None:
        """Flush and close the file."""
        self.closed.set()
        with self.lock:
            os.fsync(self.fd)
            os.close(self.fd)


def read_log(
    directory: str | Path, start: str | None = None, end: str | None = None
) -> pd.DataFrame:
    """Scored rows of a log folder within a time window, one row each (see `scored_rows`).

    Parameters
    ----------
    directory : path
        The service's ``--log-dir``.
    start, end : str, optional
        ISO timestamps (inclusive start, exclusive end); None = open.
    """
    return scored_rows(read_records(directory, start, end))


def scored_rows(records) -> pd.DataFrame:
    """One row per scored input of `records` (log lines as dicts).

    Returns
    -------
    DataFrame with ``ts``, ``model_name``, ``model_version``, ``request``, one column per input
    field and the outputs (prefixed ``out_``); refused requests are not rows here.
    """
    frames = []
    for record in records:
        if record["status"] != "scored":
            continue
        inputs = pd.DataFrame(record["inputs"])
        outputs = pd.DataFrame(record["outputs"]).add_prefix("out_")
        frame = pd.concat([inputs, outputs], axis=1)
        frame.insert(0, "request", record["request"])
        frame.insert(0, "model_version", record["model"]["version"])
        frame.insert(0, "model_name", record["model"]["name"])
        frame.insert(0, "ts", record["ts"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_records(
    directory: str | Path,
    start: str | None = None,
    end: str | None = None,
    skipped: list[str] | None = None,
):
    """Every log line (a dict) of `directory` with ``start <= ts < end``, oldest file first.

    A line that is not a complete record (cut short by a crash mid-write or a full disk,
    edited by hand) is passed over; with `skipped`, its place (``file:line``) is appended there,
    so the caller can report it.
    """
    for path in sorted(Path(directory).glob(PATTERN)):
        with open(path, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                record = _record(line)
                if record is None:
                    if skipped is not None:
                        skipped.append(f"{path.name}:{number}")
                elif (start is None or record["ts"] >= start) and (
                    end is None or record["ts"] < end
                ):
                    yield record


def _record(line: bytes) -> dict | None:
    """The log record a line holds, or None when it is not one."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(record, dict) or record.get("status") not in _REQUIRED:
        return None
    return record if _REQUIRED[record["status"]] <= record.keys() else None
