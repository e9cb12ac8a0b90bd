"""schemathesis against the service: what JSON Schema cannot say, and how to run it.

The service's OpenAPI document says everything a request must be but one thing: the arrays of
the columns form have equal lengths (``x-equal-length``; JSON Schema has no keyword relating
two properties). The `map_case` hook cuts a generated schema-valid columns body's arrays to
the shortest, so positive cases are valid requests; negative cases are left as generated.
``schemathesis.toml`` beside this file counts 413 (too many rows for ``maxItems``) as the
rejection of invalid data it is.

`st_command` is the command the tests (100 examples per operation) and
``scripts/fuzz_service.py`` (500) run against a real server.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import schemathesis

CONFIG = Path(__file__).with_name("schemathesis.toml")
ROOT = Path(__file__).resolve().parents[2]


@schemathesis.hook
def map_case(context, case):
    """Positive columns bodies: every array cut to the shortest non-empty one."""
    body = case.body
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(body, dict) and isinstance(body.get("columns"), dict):
        columns = body["columns"]
        lengths = [len(v) for v in columns.values() if isinstance(v, list) and v]
        if lengths:
            n = min(lengths)
            body["columns"] = {k: v[:n] if isinstance(v, list) else v for k, v in columns.items()}
    return case


def st_command(url: str, key: str | None, examples: int, seed: int | None = None):
    """``st run`` of every check against the service at `url`: (argv, environment)."""
    argv = [str(Path(sys.executable).with_name("st")), "--no-color", "--config-file",
            str(CONFIG), "run", f"{url}/openapi.json", "--checks", "all", "--max-examples",
            str(examples), "--workers", "1"]  # fmt: skip
    if key is not None:
        argv += ["--header", f"Authorization: Bearer {key}"]
    if seed is not None:
        argv += ["--seed", str(seed)]
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.serving.schemathesis_hooks",
           "PYTHONPATH": path}  # fmt: skip
    return argv, env
