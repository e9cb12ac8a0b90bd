"""Analyses run after the protocol (threshold choice, plots, interpretation)."""

from __future__ import annotations

from pathlib import Path


def run_analyses(result, cfg, output_dir: Path, tracker) -> dict[str, float]:
    """Run the configured analyses of `result`; return the metrics they add."""
    return {}
