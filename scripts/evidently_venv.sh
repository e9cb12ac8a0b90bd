#!/usr/bin/env bash
# Evidently in an environment of its own, for scripts/bench_monitoring.py's side-by-side run.
#
#   bash scripts/evidently_venv.sh [VENV_DIR]      # default .venv-evidently
#   python scripts/bench_monitoring.py --evidently-python VENV_DIR/bin/python
#
# Evidently 0.7.23 does not import with pandas 3, the project's pandas ("ImportError: cannot
# import name 'infer_dtype_from_object' from 'pandas.core.dtypes.common'"), so it gets its
# own venv with pandas < 3; the benchmark saves its windows to disk and runs Evidently there
# as a subprocess. Nothing of the project is installed into it.
set -euo pipefail
venv="${1:-.venv-evidently}"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "evidently>=0.7,<0.8" "pandas<3"
"$venv/bin/python" -c "import evidently, pandas; print('evidently', evidently.__version__, 'pandas', pandas.__version__)"
