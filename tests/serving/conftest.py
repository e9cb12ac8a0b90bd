"""One real job on Polish year 5 whose package the deployment tests register, score and serve."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from bankruptcy.experiment.job import JobInfo, run_job
from tests.conftest import compose_config

# Small but real: the default preprocessing and model, fewer trees and folds, cheap analyses.
JOB = [
    "dataset=polish",
    "dataset.year=5",
    "model.n_estimators=60",
    "protocol.n_splits=3",
    "logger=none",
    "plots=none",
    "bootstrap.n_resamples=200",
    "interpret.n_repeats=1",
    "interpret.shap_rows=100",
    "interpret.pdp_features=1",
    "interpret.pdp_rows=50",
    "threads=1",
]


@pytest.fixture(scope="session")
def job_dir(data_dir, tmp_path_factory) -> Path:
    """The output dir of a finished job (package included)."""
    out = tmp_path_factory.mktemp("job") / "polish5"
    cfg = compose_config([f"paths.data_dir={data_dir}", *JOB])
    run_job(cfg, JobInfo(out, name="polish5"))
    return out


@pytest.fixture(scope="session")
def test_rows(job_dir, data_dir, tmp_path_factory) -> Path:
    """The job's test rows as a CSV a user would score: a ``company`` id column + the ratios."""
    from bankruptcy.data.polish import load_polish

    predictions = pd.read_csv(job_dir / "predictions.csv")
    X = load_polish(5, data_dir=data_dir).X.loc[predictions["row"]]
    X.insert(0, "company", [f"firm-{r}" for r in predictions["row"]])
    path = tmp_path_factory.mktemp("rows") / "test_rows.csv"
    X.to_csv(path, index=False)
    return path


@pytest.fixture
def registry_db(tmp_path, monkeypatch) -> str:
    """A fresh MLflow registry on a SQLite file, named by $BANKRUPTCY_REGISTRY."""
    uri = f"sqlite:///{tmp_path / 'registry' / 'mlflow.db'}"
    monkeypatch.setenv("BANKRUPTCY_REGISTRY", uri)
    monkeypatch.setenv("BANKRUPTCY_MODEL_CACHE", str(tmp_path / "model-cache"))
    return uri


def free_port() -> int:
    """A TCP port nothing listens on (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m bankruptcy.serve`` in a subprocess on 127.0.0.1."""

    def __init__(self, model: str, log_dir: Path, env: dict, *args: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "bankruptcy.serve", model, "--port", str(self.port)]
        command += ["--log-dir", str(log_dir), *args]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop()
                    output = self.process.stdout.read()
                    raise RuntimeError(f"server did not start: {output}") from None
                time.sleep(0.3)

    def stop(self, kill: bool = False) -> None:
        """Stop the server (SIGKILL with `kill`, as a crash would)."""
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=30)
