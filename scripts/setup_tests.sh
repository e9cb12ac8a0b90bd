#!/usr/bin/env bash
# Install everything the test suite needs: the package with its dev and optional extras,
# and the system programs some tests drive for real (headless Chromium for the EDA report,
# a single-node Slurm for the cluster launcher).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet -e ".[dev,optuna,slurm,catboost,onnx,ray]"
if [ -f scripts/system_packages.txt ] && command -v apt-get >/dev/null; then
  missing=$(grep -v '^#' scripts/system_packages.txt | while read -r pkg; do
    [ -n "$pkg" ] && ! dpkg -s "$pkg" >/dev/null 2>&1 && echo "$pkg"; done || true)
  if [ -n "$missing" ]; then
    SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
  fi
fi
# The cluster-launcher test submits real jobs: start a single-node Slurm when we may (root).
if [ "$(id -u)" = 0 ] && command -v slurmd >/dev/null; then
  bash scripts/slurm_local.sh start
else
  echo "setup_tests.sh: no Slurm started (needs root and slurm-wlm); its test will be skipped" >&2
fi
