"""Sweeps at scale: job records, fail-soft/resume guard, progress, leaderboards."""
