"""The commands: thin entry points that parse arguments and hand objects to the stages.

Each ``python -m bankruptcy.<command>`` (and its ``bankruptcy-<command>`` console script) is a
module here: `run` and `eda` are Hydra apps over ``conf/``; `report`, `dashboard`, `registry`,
`predict`, `serve`, `monitor` and `retrain` are argparse programs sharing `common`
(help from the docstring, a `~bankruptcy.core.errors.UserError` as one line and exit code 2).
`hydra_errors` turns Hydra's composition errors into one line.
"""
