"""What the command-line tools share: the config folder, help from a docstring, one-line errors.

``registry``, ``predict``, ``serve``, ``monitor`` and ``retrain`` are argparse programs whose
module docstring is their help (first paragraph: what it does; the rest: examples and
details), and which report a problem with the user's input as ``error: <one line>``, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bankruptcy.core.errors import UserError

USER_ERROR_EXIT = 2
#: The config groups of the Hydra apps (`bankruptcy.cli.run`, `bankruptcy.cli.eda`): an
#: absolute path, since a path relative to a module imported by a shim is read as a package.
CONF_DIR = str(Path(__file__).resolve().parents[2] / "conf")


def parser_for(prog: str, doc: str) -> argparse.ArgumentParser:
    """An argument parser for ``python -m <prog>`` whose help is the module docstring `doc`."""
    summary, _, details = doc.partition("\n\n")
    return argparse.ArgumentParser(
        prog=f"python -m {prog}",
        description=summary,
        epilog=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def run(action: Callable[[], int | None]) -> int:
    """Call `action`; a `UserError` becomes one line on stderr and exit code 2."""
    try:
        return action() or 0
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return USER_ERROR_EXIT
