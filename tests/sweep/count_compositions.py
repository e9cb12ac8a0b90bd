"""``python -m bankruptcy.run`` that prints how many job configs Hydra composed, at exit.

Run as ``python -m tests.sweep.count_compositions <run.py arguments>`` from the repository root.
"""

from __future__ import annotations

import atexit
import runpy
import sys

from hydra._internal.config_loader_impl import ConfigLoaderImpl

compose = ConfigLoaderImpl.load_sweep_config
count = 0


def counted(self, master_config, sweep_overrides):
    global count
    count += 1
    return compose(self, master_config, sweep_overrides)


ConfigLoaderImpl.load_sweep_config = counted
atexit.register(lambda: print(f"job configs composed: {count}", file=sys.stderr))
sys.argv[0] = "bankruptcy.run"
runpy.run_module("bankruptcy.run", run_name="__main__")
