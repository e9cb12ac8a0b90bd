#!/usr/bin/env bash
# PyCaret 3.3.2 in an environment of its own, for scripts/bench_compare_models.py.
#
#   bash scripts/pycaret_venv.sh [VENV_DIR]      # default .venv-pycaret
#   python scripts/bench_compare_models.py --pycaret-python VENV_DIR/bin/python
#
# PyCaret 3.3.2 needs older libraries than the project (scikit-learn < 1.5, pandas < 2.2,
# Python <= 3.11), so it never goes into the project's environment: the benchmark runs it as
# a subprocess with this venv's Python. Nothing of the project is installed into it.
# LightGBM comes with PyCaret. `six` is the one addition: PyCaret imports scikit-plot 0.3.7,
# which imports six without declaring it ("ModuleNotFoundError: No module named 'six'" here).
set -euo pipefail
venv="${1:-.venv-pycaret}"
python3 -c 'import sys; assert sys.version_info[:2] <= (3, 11), "PyCaret 3.3.2 needs Python <= 3.11"'
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "pycaret==3.3.2" six
"$venv/bin/python" -c "import pycaret, sklearn, pandas, lightgbm; print('pycaret', pycaret.__version__, 'scikit-learn', sklearn.__version__, 'pandas', pandas.__version__, 'lightgbm', lightgbm.__version__)"
