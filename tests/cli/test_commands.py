"""Every documented command answers ``--help`` as ``python -m bankruptcy.<command>`` and as its
console script, with the usage of its own program (the shims reach the right command)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.helpers import ROOT, run_cli

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
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_python_m_command_help(command):
    done = run_cli(f"bankruptcy.{command}", "--help", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert COMMANDS[command] in done.stdout


def test_every_command_has_a_console_script_pointing_at_its_cli_module():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert sorted(scripts) == sorted(f"bankruptcy-{c}" for c in COMMANDS)
    for command in COMMANDS:
        assert scripts[f"bankruptcy-{command}"].startswith(f"bankruptcy.cli.{command}:")


@pytest.mark.parametrize("command", ["predict", "run"])
def test_console_script_runs_the_same_program(command):
    script = shutil.which(f"bankruptcy-{command}", path=str(ROOT.parent / "bin")) or shutil.which(
        f"bankruptcy-{command}", path=str(sys.prefix) + "/bin"
    )
    if script is None:
        pytest.fail(f"bankruptcy-{command} is not installed: pip install -e . installs it")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and COMMANDS[command] in done.stdout
