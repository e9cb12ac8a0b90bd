"""W&B dashboards of a sweep: a workspace view and a report built from what its runs logged.

``python -m bankruptcy.dashboard SWEEP_DIR`` (see `bankruptcy.cli.dashboard`); a
multirun that logged to W&B writes ``dashboard.json`` itself (`bankruptcy.dashboard.callback`).
"""
