"""The service's contracts for real: ``python -m bankruptcy.serve --api-keys`` on the Polish
job's package, on 127.0.0.1, driven over HTTP, raw sockets and schemathesis (every check).

The mechanics of the same contracts in-process: ``test_service_contract.py``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from bankruptcy.data.polish import load_polish
from bankruptcy.serving.predlog import read_records
from tests.serving.conftest import Server
from tests.serving.schemathesis_hooks import st_command

pytestmark = pytest.mark.slow  # a server, and schemathesis against it

KEY = "suite-key-0123456789abcdef"
MAX_ROWS, EXPLAIN_ROWS = 20, 5


@pytest.fixture(scope="module")
def keyed_server(job_dir, tmp_path_factory):
    """A server with one API key (``suite``) and small row limits; its log dir."""
    root = tmp_path_factory.mktemp("keyed-server")
    (root / "keys.txt").write_text(f"# for the tests\nsuite {KEY}\n")
    (root / "keys.txt").chmod(0o600)
    args = ("--api-keys", str(root / "keys.txt"), "--max-rows", str(MAX_ROWS),
            "--explain-rows", str(EXPLAIN_ROWS), "--reload-seconds", "0")  # fmt: skip
    server = Server(str(job_dir), root / "log", dict(os.environ), *args)
    yield server, root / "log"
    server.stop()


def call(url: str, body=None, headers: dict | None = None) -> tuple[int, dict, dict]:
    """GET (or POST `body` as JSON); status, parsed answer, headers."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_the_document_names_the_polish_features_with_their_meanings(keyed_server, data_dir):
    server, _ = keyed_server
    status, document, _ = call(f"{server.url}/openapi.json", headers={"X-API-Key": KEY})
    assert status == 200
    row = document["components"]["schemas"]["Row"]
    dataset = load_polish(5, data_dir=data_dir)
    assert row["required"] == [str(c) for c in dataset.X.columns] and len(row["required"]) == 64
    assert row["properties"]["Attr1"]["description"].startswith(dataset.descriptions["Attr1"])
    assert document["info"]["x-limits"]["max_rows"] == MAX_ROWS


def test_schemathesis_runs_every_check_without_a_failure(keyed_server, tmp_path):
    server, _ = keyed_server
    argv, env = st_command(server.url, KEY, examples=100, seed=28)
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=1800)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "No issues found" in output, output[-6000:]
    assert "4 selected / 4 total" in output  # every operation was tested


def test_keys_over_http_and_their_names_in_the_log(keyed_server, test_rows):
    import pandas as pd

    server, log_dir = keyed_server
    company = pd.read_csv(test_rows).drop(columns="company").iloc[0]
    row = {k: None if pd.isna(v) else float(v) for k, v in company.items()}
    url = f"{server.url}/v1/predict"
    status, body, headers = call(url, {"rows": [row]})
    assert status == 401 and headers["www-authenticate"] == 'Bearer realm="bankruptcy"'
    assert call(url, {"rows": [row]}, {"X-API-Key": "x" * 20})[0] == 401
    assert call(url, {"rows": [row]}, {"Authorization": f"Bearer {KEY}"})[0] == 200
    assert call(url, {"rows": [row]}, {"X-API-Key": KEY})[0] == 200
    assert call(f"{server.url}/health")[0] == 200
    records = list(read_records(log_dir))
    assert {r["key_name"] for r in records} == {"suite"}
    assert KEY not in "".join(p.read_text() for p in log_dir.glob("*.jsonl"))


def test_an_oversized_body_is_refused_from_its_headers(keyed_server):
    server, _ = keyed_server
    head = (f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")  # fmt: skip
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head.encode())  # the gigabyte never follows
        answer = b""
        while chunk := connection.recv(65536):  # the server closes after answering
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert status_line.startswith(b"HTTP/1.1 413") and b"connection: close" in rest.lower()
    assert body["problems"][0]["kind"] == "too_large" and "1,000,000,000 bytes" in body["error"]
