"""Fuzz the scoring service against its own OpenAPI document: schemathesis, every check.

Trains a small job on Polish year 5 (analyses off; or takes ``--model``), serves it on
127.0.0.1 with an API key (``--max-rows``, default 20 so that the row limits are within
reach of generated bodies), and runs ``st run --checks all`` with ``--examples`` cases per
operation (the issue's goal: 500, 0 failures, 0 server errors), with the hook and settings of
``tests/serving/schemathesis_hooks.py``. Prints schemathesis's report, what the service
answered (its prediction log: scored, or the refusal's kind) and the exit code.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/fuzz_service.py [--examples 500] \\
        [--model models:/polish@champion] [--max-rows 20] [--seed 28]
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench_serving import free_port, wait_until_up  # noqa: E402 (this script's folder)

from tests.serving.schemathesis_hooks import st_command  # noqa: E402

JOB = ["dataset=polish", "dataset.year=5", "interpret=none", "plots=none", "bootstrap=none",
       "logger=none", "protocol.n_splits=3", "threads=1"]  # fmt: skip
KEY = "fuzz-key-0123456789abcdef"


def serve(model: str, work: Path, env: dict, max_rows: int) -> tuple[subprocess.Popen, str]:
    """The service on `model` with one API key; its process and URL once it answers."""
    (work / "keys.txt").write_text(f"fuzz {KEY}\n")
    (work / "keys.txt").chmod(0o600)
    port = free_port()
    command = [sys.executable, "-m", "bankruptcy.serve", model, "--port", str(port),
               "--api-keys", str(work / "keys.txt"), "--max-rows", str(max_rows),
               "--explain-rows", str(max(1, max_rows // 4)), "--reload-seconds", "0",
               "--log-dir", str(work / "log")]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/health", process)
    return process, url


def answered(log_dir: Path) -> collections.Counter:
    """How many requests the log holds per outcome (scored, or the refusal's problem kind)."""
    from bankruptcy.serving.predlog import read_records

    counts = collections.Counter()
    for record in read_records(log_dir):
        problems = record.get("problems") or [{"kind": record["status"]}]
        counts[problems[0]["kind"]] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=500, help="cases per operation")
    parser.add_argument("--model", help="a job dir or models:/NAME@ALIAS (default: train one)")
    parser.add_argument("--max-rows", type=int, default=20, help="the service's row limit")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis's seed")
    args = parser.parse_args()
    env = {**os.environ, "WANDB_MODE": "disabled", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = args.model
        if model is None:
            if not os.environ.get("BANKRUPTCY_DATA_DIR"):
                sys.exit("set BANKRUPTCY_DATA_DIR (or pass --model)")
            command = [sys.executable, "-m", "bankruptcy.run", *JOB, f"hydra.run.dir={work}/job"]
            subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
            model = str(work / "job")
        server, url = serve(model, work, env, args.max_rows)
        try:
            argv, st_env = st_command(url, KEY, args.examples, args.seed)
            started = time.perf_counter()
            done = subprocess.run(argv, env=st_env, cwd=work, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait()
        print(done.stdout.strip())
        outcomes = dict(answered(work / "log").most_common())
        print(f"schemathesis: exit code {done.returncode} in {seconds:.0f} s; "
              f"logged requests by outcome: {outcomes}")  # fmt: skip
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
