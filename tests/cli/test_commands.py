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
    "edit": "--monotone",
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


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--api-keys", "{tmp}/absent.txt"], {}, "{tmp}/absent.txt: cannot read the API key file"),
        (["--api-keys", "{tmp}/bad.txt"], {}, "{tmp}/bad.txt, line 2: expected NAME KEY, found 3"),
        ([], {"BANKRUPTCY_API_KEYS": "{tmp}/bad.txt"}, "{tmp}/bad.txt, line 2: expected NAME KEY"),
        (["--host", "0.0.0.0"], {}, "--host 0.0.0.0 serves other machines without API keys"),
        (["--host", "bank.internal"], {}, "--host bank.internal serves other machines without"),
        (["--max-rows", "0"], {}, "--max-rows 0: must be at least 1"),
        (["--max-body-bytes", "0"], {}, "--max-body-bytes 0: must be at least 1"),
    ],
    ids=["absent-file", "bad-line", "bad-file-from-env", "open-host", "open-hostname",
         "max-rows", "max-body-bytes"],
)  # fmt: skip
def test_serve_refuses_bad_keys_and_open_hosts_in_one_line_before_the_model(
    args, env, message, tmp_path, capsys, monkeypatch
):
    from bankruptcy.cli.serve import main

    (tmp_path / "bad.txt").write_text("# keys\ndesk key-0123456789abcdef extra\n")
    monkeypatch.delenv("BANKRUPTCY_API_KEYS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    absent_model = str(tmp_path / "no-such-job")  # the options fail first: it is never opened
    code = main([absent_model, *(a.format(tmp=tmp_path) for a in args)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == [lines[0]] and lines[0].startswith("error: ")
    assert message.format(tmp=tmp_path) in lines[0]


@pytest.mark.parametrize("keys", [False, True], ids=["open", "keys"])
def test_serve_says_at_start_who_it_answers(keys, synthetic_job, tmp_path, capsys, monkeypatch):
    """Up to the server's start (uvicorn's run recorded, not run: the real server is started by
    tests/serving): an open non-loopback host only when told, and a warning that says so."""
    import uvicorn

    from bankruptcy.cli.serve import main

    for name in ("BANKRUPTCY_API_KEYS", "OMP_NUM_THREADS", "BANKRUPTCY_SERVE_SETTINGS",
                 "BANKRUPTCY_SERVE_WORKERS", "BANKRUPTCY_SERVE_THREADS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)  # what serve sets is undone after the test
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.update(kw))
    (tmp_path / "keys.txt").write_text("desk key-0123456789abcdef\n")
    (tmp_path / "keys.txt").chmod(0o644)
    options = ["--api-keys", str(tmp_path / "keys.txt")] if keys else ["--allow-open"]
    code = main([str(synthetic_job), "--host", "0.0.0.0", "--no-log", *options])
    err = capsys.readouterr().err
    assert code == 0 and started["host"] == "0.0.0.0"
    if keys:
        assert f"API keys: 1 from {tmp_path / 'keys.txt'}" in err and "key-0123" not in err
        assert "readable by other users" in err  # 0644
    else:
        assert "warning: no API keys: the service answers anyone who reaches 0.0.0.0:8000" in err
