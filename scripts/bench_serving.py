"""Benchmark: the scoring service and batch scoring, measured in one run on this machine.

For the default package (``python -m bankruptcy.run`` as a newcomer runs it: LightGBM), a
logistic, a gradient-boosting and an EBM package (issue 31: one row p50 <= 5 ms too) on Polish
year 1 (trained here), each served and
scored with every runtime of `--runtimes` (``sklearn``: the pipeline; ``onnx``: its
``python -m bankruptcy.export`` graph in ONNX Runtime), against the goals of issue 23:

1. REST latency, one client, single rows (p50, p99), and 16 concurrent clients (p99), with
   ``wrk`` (Debian package ``wrk``) on 127.0.0.1: goals p50 <= 5 ms, p99 <= 15 ms; p99 <= 50 ms;
   and p50 against the same server's ``GET /health`` p50 (the HTTP floor): goal <= 4x.
2. REST throughput against ``mlflow models serve`` on the same registered model, single rows
   and 1,000-row batches (each server one worker): goal >= 2x.
3. The cost of the prediction log (scikit-learn runtime): throughput with and without it:
   goal <= 10 %.
4. ``python -m bankruptcy.predict`` end to end, Parquet in -> Parquet out, 1 million rows,
   against the bare in-memory ``predict_proba`` of the same pipeline: goals >= 200k rows/s
   (logistic), >= 100k rows/s (the default package), >= 0.7x the bare rate; and its peak
   memory for 5 million rows (the default package, scikit-learn runtime): goal < 1 GiB.

    BANKRUPTCY_DATA_DIR=../shared/data python scripts/bench_serving.py [--seconds 10] \
        [--models default,logistic,gradient_boosting,ebm] [--runtimes sklearn,onnx]

Load stays on 127.0.0.1, bounded in time. Run it alone on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: Each benchmarked package and the job overrides that train it ("default": none).
MODELS = {
    "default": [],
    "logistic": ["model=logistic"],
    "gradient_boosting": ["model=gradient_boosting"],
    "ebm": ["model=ebm"],
}
#: Batch-scoring goals of issue 23 (rows/s); LightGBM has none of its own.
RATE_GOALS = {"default": 100_000, "logistic": 200_000}
JOB = ["dataset=polish", "dataset.year=1", "interpret=none", "plots=none", "bootstrap=none",
       "logger=none"]  # fmt: skip
WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("{body}"):read()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train(name: str, out: Path, env: dict, overrides: list[str]) -> Path:
    """A job on Polish year 1 of `MODELS` entry `name`; returns its dir."""
    command = [sys.executable, "-m", "bankruptcy.run", *MODELS[name], *JOB, *overrides,
               f"hydra.run.dir={out}"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return out


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.3)


def start_ours(
    model: str, env: dict, log_dir: Path | None, runtime: str = "sklearn", workers: int = 1
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "bankruptcy.serve", model, "--port", str(port),
               "--reload-seconds", "0", "--runtime", runtime,
               "--workers", str(workers)]  # fmt: skip
    command += ["--log-dir", str(log_dir)] if log_dir else ["--no-log"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/health", process)
    return process, url


def start_mlflow(model: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**env, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", model, "--port",
               str(port), "--env-manager", "local", "--workers", "1"]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/ping", process)
    return process, f"{url}/invocations"


def wrk(url: str, body: str | None, seconds: int, connections: int, workdir: Path) -> dict:
    """Requests per second and latency percentiles (ms) from wrk (POST `body`; None: GET)."""
    script = []
    if body is not None:
        (workdir / "body.json").write_text(body)
        (workdir / "post.lua").write_text(WRK_SCRIPT.format(body=workdir / "body.json"))
        script = ["-s", str(workdir / "post.lua")]
    threads = min(2, connections)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *script, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = done.stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors from {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    return {"rps": rate, "p50": pct["50"], "p99": pct["99"]}


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group()), re.search(r"[a-z]+", text).group()
    return value * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def bodies(rows: pd.DataFrame) -> dict[str, str]:
    """Our single-row and 1,000-row bodies and MLflow's, for the same rows."""
    one = rows.head(1)
    batch = rows.head(1000)

    def records(frame):
        return [
            {k: None if pd.isna(v) else float(v) for k, v in r.items()} for _, r in frame.iterrows()
        ]

    def split(frame):
        clean = frame.astype(object).where(frame.notna(), None)
        return {"columns": list(frame.columns), "data": clean.to_numpy().tolist()}

    columns = {c: [None if pd.isna(v) else float(v) for v in batch[c]] for c in batch}
    return {
        "ours_one": json.dumps({"rows": records(one)}),
        "ours_batch": json.dumps({"columns": columns}),
        "mlflow_one": json.dumps({"dataframe_split": split(one)}),
        "mlflow_batch": json.dumps({"dataframe_split": split(batch)}),
    }


def ratio(value: float, goal: float, lower_is_better: bool = True) -> str:
    """`value` against its goal: ``(goal G, x.xx of it, met)``."""
    met = value <= goal if lower_is_better else value >= goal
    return f"(goal {goal:g}: {value / goal:.2f}x of it, {'met' if met else 'missed'})"


def rest(model: str, rows: pd.DataFrame, env: dict, seconds: int, work: Path, runtime: str) -> None:
    """Latency and throughput of our server on `runtime`; the log cost and MLflow on sklearn."""
    body = bodies(rows)
    ours, url = start_ours(model, env, work / "log", runtime)
    try:
        health = wrk(f"{url}/health", None, seconds, 1, work)
        single = wrk(f"{url}/v1/predict", body["ours_one"], seconds, 1, work)
        crowd = wrk(f"{url}/v1/predict", body["ours_one"], seconds, 16, work)
        batch = wrk(f"{url}/v1/predict", body["ours_batch"], seconds, 2, work)
    finally:
        ours.terminate()
        ours.wait()
    # one worker process per core: 16 clients no longer queue behind one interpreter
    cores = os.cpu_count() or 1
    pool, url = start_ours(model, env, work / "log", runtime, workers=cores)
    try:
        crowd_pool = wrk(f"{url}/v1/predict", body["ours_one"], seconds, 16, work)
    finally:
        pool.terminate()
        pool.wait()
    print(
        f"    1 client, single rows: p50 {single['p50']:.2f} ms {ratio(single['p50'], 5)}, "
        f"p99 {single['p99']:.2f} ms {ratio(single['p99'], 15)}"
    )
    print(
        f"    GET /health p50 {health['p50']:.2f} ms: predict p50 / health p50 = "
        f"{single['p50'] / health['p50']:.2f} {ratio(single['p50'] / health['p50'], 4)}"
    )
    print(f"    16 clients, single rows: p99 {crowd['p99']:.1f} ms {ratio(crowd['p99'], 50)}, "
          f"{crowd['rps']:.0f} req/s")  # fmt: skip
    print(f"    16 clients, {cores} workers: p99 {crowd_pool['p99']:.1f} ms "
          f"{ratio(crowd_pool['p99'], 50)}, {crowd_pool['rps']:.0f} req/s")  # fmt: skip
    print(f"    1,000-row batches (2 clients): {batch['rps'] * 1000:,.0f} rows/s, "
          f"p50 {batch['p50']:.1f} ms")  # fmt: skip
    if runtime != "sklearn":
        return
    quiet, url = start_ours(model, env, None)
    try:
        single_nolog = wrk(f"{url}/v1/predict", body["ours_one"], seconds, 1, work)
        batch_nolog = wrk(f"{url}/v1/predict", body["ours_batch"], seconds, 2, work)
    finally:
        quiet.terminate()
        quiet.wait()
    theirs, url = start_mlflow(model, env)
    try:
        mlflow_single = wrk(url, body["mlflow_one"], seconds, 1, work)
        mlflow_batch = wrk(url, body["mlflow_batch"], seconds, 2, work)
    finally:
        theirs.terminate()
        theirs.wait()
    times = single["rps"] / mlflow_single["rps"]
    print(
        f"    throughput, single rows: ours {single['rps']:.0f} req/s vs mlflow "
        f"{mlflow_single['rps']:.0f} req/s = {times:.2f}x {ratio(times, 2, False)}"
    )
    print(
        f"    throughput, 1,000-row batches: ours {batch['rps'] * 1000:,.0f} rows/s vs mlflow "
        f"{mlflow_batch['rps'] * 1000:,.0f} rows/s = {batch['rps'] / mlflow_batch['rps']:.2f}x"
    )
    print(
        f"    prediction log cost: single rows {1 - single['rps'] / single_nolog['rps']:+.1%}, "
        f"batches {1 - batch['rps'] / batch_nolog['rps']:+.1%} of throughput (goal <= 10 %)"
    )


def batch_scoring(
    name: str,
    job: Path,
    model: str,
    rows: pd.DataFrame,
    env: dict,
    work: Path,
    args,
    runtimes: list[str],
) -> None:
    """``predict`` of `model` on `args.rows` rows with each runtime, vs. bare ``predict_proba``
    of its `job`'s pipeline; memory."""
    from bankruptcy.serving.registry import open_model

    rng = np.random.default_rng(0)
    n = args.rows
    frame = rows.iloc[rng.integers(0, len(rows), n)].reset_index(drop=True)
    frame.insert(0, "company", np.arange(n))
    source = work / "million.parquet"
    frame.to_parquet(source, index=False)
    package = open_model(str(job))
    X = frame[package.contract.names]
    start = time.perf_counter()
    package.pipeline.predict_proba(X)
    bare = n / (time.perf_counter() - start)
    target = work / "scored.parquet"
    goal = RATE_GOALS.get(name)
    for runtime in runtimes:
        target.unlink(missing_ok=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bankruptcy.predict", model, str(source),
                        str(target), "--quiet", "--runtime", runtime],
                       env=env, check=True, capture_output=True)  # fmt: skip
        cli = n / (time.perf_counter() - start)
        print(
            f"    predict --runtime {runtime}, {n:,} rows Parquet -> Parquet: {cli:,.0f} rows/s "
            f"end to end (process start and model load included)"
            + (f" {ratio(cli, goal, False)}" if goal else "")
            + f"; bare predict_proba {bare:,.0f} rows/s = {cli / bare:.2f}x (goal 0.7)"
        )
    if not args.big or name != "default":
        return
    big_source = work / "big.parquet"
    pd.concat([frame] * (args.big // n), ignore_index=True).to_parquet(big_source, index=False)
    del frame, X
    target.unlink()
    peak = peak_kib([sys.executable, "-m", "bankruptcy.predict", model, str(big_source),
                     str(target), "--quiet"], env)  # fmt: skip
    print(f"    predict, {args.big:,} rows: peak memory {peak / 2**20:.2f} GiB (goal < 1)")


def peak_kib(command: list[str], env: dict) -> int:
    """Peak resident memory (KiB) of one child process run to the end.

    The child is started by a small Python of its own: a child forked from this process starts
    with this process's resident pages (the training jobs' and the 5M-row frame's, ~3 GiB),
    and its high-water mark ``ru_maxrss`` keeps them after ``exec``.
    """
    probe = (
        "import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "_, status, usage = os.wait4(child.pid, 0); print(usage.ru_maxrss); "
        "sys.exit(os.waitstatus_to_exitcode(status))"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk measurement")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows scored by predict")
    parser.add_argument("--big", type=int, default=5_000_000,
                        help="rows of the memory run (0: none)")  # fmt: skip
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, of MODELS")
    parser.add_argument("--runtimes", default="sklearn,onnx", help="sklearn, onnx or both")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides of every job")
    args = parser.parse_args()
    args.runtimes = args.runtimes.split(",")
    if not shutil.which("wrk"):
        sys.exit("needs wrk on PATH (apt-get install wrk)")
    data = os.environ.get("BANKRUPTCY_DATA_DIR") or sys.exit("set BANKRUPTCY_DATA_DIR")
    from bankruptcy.data.polish import load_polish

    rows = load_polish(1, data_dir=data).X
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        registry = f"sqlite:///{work / 'registry.db'}"
        # mlflow's own server reads MLFLOW_TRACKING_URI; ours reads BANKRUPTCY_REGISTRY
        env = {**os.environ, "WANDB_MODE": "disabled", "BANKRUPTCY_REGISTRY": registry,
               "MLFLOW_TRACKING_URI": registry}  # fmt: skip
        for name in args.models.split(","):
            job = train(name, work / name, env, args.set)
            model = f"models:/{name}/1"
            subprocess.run([sys.executable, "-m", "bankruptcy.registry", "register", str(job),
                            "--name", name], env=env, check=True, capture_output=True)  # fmt: skip
            runtimes = list(args.runtimes)
            if "onnx" in runtimes:
                done = subprocess.run([sys.executable, "-m", "bankruptcy.export", model,
                                       str(work / f"{name}.onnx")], env=env,
                                      capture_output=True, text=True)  # fmt: skip
                if done.returncode:  # e.g. a parity check failed: say so, measure the rest
                    print(f"{name}: no ONNX runtime, {done.stderr.strip()}")
                    runtimes.remove("onnx")
            manifest = json.loads((job / "package" / "package.json").read_text())
            print(f"{name} ({manifest['model']['estimator']}):")
            for runtime in runtimes:
                print(f"  --runtime {runtime}:", flush=True)
                rest(model, rows, env, args.seconds, work, runtime)
            batch_scoring(name, job, model, rows, env, work, args, runtimes)


if __name__ == "__main__":
    main()
