"""Every documented command answers ``--help`` through its ``python -m bankruptcy.<command>``
shim with its own program's usage, and every command has its console script."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT

#: command -> a word its help must show (its own usage or option, not another command's)
COMMANDS = {
    "run": "Configuration groups",
    "eda": "Configuration groups",
    "report": "--rerun-best",
    "dashboard": "--publish",
    "registry": "{register,list,alias}",
    "predict": "--explain",
    "serve": "--reload-seconds",
    "monitor": "--fail-on-drift",
    "retrain": "--gate-share",
    "export": "docs/onnx.md",
    "recourse": "--max-changes",
}

# Runs each shim as ``python -m`` would (``run_name="__main__"``) in one interpreter, so the
# libraries load once for all of them; prints {command: [exit code, output]} as JSON.
HELP_ALL = """
import contextlib, io, json, runpy, sys
found = {}
for command in sys.argv[1:]:
    sys.argv = [f"bankruptcy.{command}", "--help"]
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_module(f"bankruptcy.{command}", run_name="__main__", alter_sys=True)
        except SystemExit as done:
            code = done.code or 0
    found[command] = [code, out.getvalue()]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def helps() -> dict[str, list]:
    done = subprocess.run(
        [sys.executable, "-c", HELP_ALL, *COMMANDS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_python_m_command_help(command, helps):
    code, output = helps[command]
    assert code == 0 and COMMANDS[command] in output


def test_every_command_has_a_console_script_pointing_at_its_cli_module():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert sorted(scripts) == sorted(f"bankruptcy-{c}" for c in COMMANDS)
    for command in COMMANDS:
        module, _, function = scripts[f"bankruptcy-{command}"].partition(":")
        assert module == f"bankruptcy.cli.{command}"
        assert callable(getattr(importlib.import_module(module), function))


def test_a_console_script_runs_the_same_program():
    script = Path(sys.prefix, "bin", "bankruptcy-predict")
    assert script.is_file(), "bankruptcy-predict is not installed: pip install -e . installs it"
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and COMMANDS["predict"] in done.stdout
