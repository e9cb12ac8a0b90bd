"""Benchmark: how fast the service refuses a request above its limits (issue 28, goal 2).

Trains a small job on Polish year 1 (analyses off), serves it on 127.0.0.1 (one worker,
``--max-rows 10000``, the derived byte budget, an API key file), and times from the first byte
sent to the answer's status line, the median of ``--repeat`` requests, each on a new
connection (a sender thread streams the body while the main thread waits for the answer):

1. a body above the byte budget declaring its ``Content-Length`` (40,000 rows, ~47 MB):
   refused before it is read; goal <= 5 ms;
2. the same body chunked (no ``Content-Length``): refused once the bytes read pass the budget;
3. 20,001 rows inside the byte budget (the issue's example, ~24 MB of JSON as Python writes
   it): parsed, then refused on the row count;
4. baselines of the same run: ``GET /health`` (the HTTP floor) and 10,000 rows scored (200).

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_limits.py [--repeat 5] [--open]

``--open`` serves without keys (for a server that takes none, e.g. an older checkout on
PYTHONPATH: the "before" figures). Run it alone on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from bench_serving import free_port, wait_until_up  # this script's folder

ROOT = Path(__file__).resolve().parents[1]
JOB = ["dataset=polish", "dataset.year=1", "interpret=none", "plots=none", "bootstrap=none",
       "logger=none", "protocol.n_splits=3"]  # fmt: skip
KEY = "bench-key-0123456789abcdef"
MAX_ROWS = 10_000


def serve(job: Path, work: Path, env: dict, keys: bool) -> tuple[subprocess.Popen, int]:
    """``python -m bankruptcy.serve`` on `job`; its process and port once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "bankruptcy.serve", str(job), "--port", str(port),
               "--reload-seconds", "0", "--max-rows", str(MAX_ROWS),
               "--log-dir", str(work / "log")]  # fmt: skip
    if keys:
        (work / "keys.txt").write_text(f"bench {KEY}\n")
        (work / "keys.txt").chmod(0o600)
        command += ["--api-keys", str(work / "keys.txt")]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    wait_until_up(f"http://127.0.0.1:{port}/health", process)
    return process, port


def exchange(port: int, head: bytes, parts: list[bytes]) -> tuple[float, int]:
    """Send `head` then stream `parts` from a thread; seconds until the status line, status."""
    connection = socket.create_connection(("127.0.0.1", port))

    def stream() -> None:
        try:
            for part in parts:
                connection.sendall(part)
        except OSError:  # the server answered and closed: the rest is not wanted
            pass

    start = time.perf_counter()
    connection.sendall(head)
    sender = threading.Thread(target=stream)
    sender.start()
    answer = b""
    while b"\r\n" not in answer:
        received = connection.recv(65536)
        if not received:
            break
        answer += received
    elapsed = time.perf_counter() - start
    sender.join()
    connection.close()
    return elapsed, int(answer.split(b" ", 2)[1]) if answer else 0


def post(port: int, body: bytes, keys: bool, chunked: bool = False) -> tuple[float, int]:
    """POST /v1/predict with `body` (declared length, or chunked in 64 KiB pieces)."""
    head = ("POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + (f"X-API-Key: {KEY}\r\n" if keys else ""))  # fmt: skip
    step = 1 << 16
    if chunked:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        pieces = [body[i : i + step] for i in range(0, len(body), step)]
        parts = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    else:
        head += f"Content-Length: {len(body)}\r\n\r\n"
        parts = [body[i : i + step] for i in range(0, len(body), step)]
    return exchange(port, head.encode(), parts)


def median_ms(runs: list[tuple[float, int]], expected: int) -> float:
    statuses = {status for _, status in runs}
    if statuses != {expected}:
        raise RuntimeError(f"expected {expected}, got {sorted(statuses)}")
    return statistics.median(seconds for seconds, _ in runs) * 1000


def rows_body(rows: pd.DataFrame, n: int) -> bytes:
    """`n` rows (the data's rows repeated) as Python's json writes them."""
    records = [
        {k: None if pd.isna(v) else float(v) for k, v in r.items()} for r in rows.to_dict("records")
    ]
    return json.dumps({"rows": [records[i % len(records)] for i in range(n)]}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="requests per figure")
    parser.add_argument("--open", action="store_true", help="serve without API keys")
    args = parser.parse_args()
    data = os.environ.get("BANKRUPTCY_DATA_DIR") or sys.exit("set BANKRUPTCY_DATA_DIR")
    from bankruptcy.data.polish import load_polish

    rows = load_polish(1, data_dir=data).X
    keys = not args.open
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "WANDB_MODE": "disabled", "OMP_NUM_THREADS": "1"}
        job = work / "job"
        command = [sys.executable, "-m", "bankruptcy.run", *JOB, f"hydra.run.dir={job}"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        server, port = serve(job, work, env, keys)
        try:
            over, within, allowed = (rows_body(rows, n) for n in (40_000, 20_001, MAX_ROWS))
            health = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            floor = median_ms([exchange(port, health, []) for _ in range(args.repeat)], 200)
            scored = median_ms([post(port, allowed, keys) for _ in range(args.repeat)], 200)
            declared = median_ms([post(port, over, keys) for _ in range(args.repeat)], 413)
            chunked = median_ms([post(port, over, keys, True) for _ in range(args.repeat)], 413)
            counted = median_ms([post(port, within, keys) for _ in range(args.repeat)], 413)
        finally:
            server.terminate()
            server.wait()
    mb = 1e6
    print(f"GET /health (floor): {floor:.2f} ms")
    print(f"{MAX_ROWS:,} rows scored ({len(allowed) / mb:.1f} MB): {scored:.0f} ms")
    print(
        f"413, {len(over) / mb:.1f} MB declared by Content-Length: {declared:.2f} ms "
        f"({declared / floor:.1f}x the floor; goal 5 ms: {'met' if declared <= 5 else 'missed'})"
    )
    print(f"413, the same body chunked: {chunked:.1f} ms")
    print(
        f"413, 20,001 rows within the byte budget ({len(within) / mb:.1f} MB, parsed): "
        f"{counted:.0f} ms ({counted / scored:.2f}x scoring {MAX_ROWS:,} rows)"
    )


if __name__ == "__main__":
    main()
