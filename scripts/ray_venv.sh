#!/usr/bin/env bash
# A separate environment for the Ray launcher: hydra-ray-launcher pins cloudpickle<3, which
# forces joblib<1.6, so it must not go into the environment everything else uses. The venv
# sees the system packages (torch, scikit-learn, ...) and overrides only what Ray needs.
#   bash scripts/ray_venv.sh [venv dir, default .venv-ray]
#   <venv>/bin/python -m bankruptcy.run -m hydra/launcher=ray_local experiment=qualitative_benchmark
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv-ray}
python -m venv "$VENV" --system-site-packages
"$VENV/bin/python" -m pip install --quiet -e ".[ray]"
"$VENV/bin/python" -c "import ray, hydra_plugins.hydra_ray_launcher; print('ray', ray.__version__)"
