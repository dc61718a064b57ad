#!/usr/bin/env bash
# RBF network: training speed against PyTorch (bench_rbf.py) and fit quality against
# scikit-learn's MLPRegressor (compare_rbf.py), one run each. Installs NumPy, PyTorch and
# scikit-learn into scripts/.venv (PyPI) and builds meanfield in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch scikit-learn
cargo build --release -p meanfield-cli
scripts/.venv/bin/python -W ignore scripts/compare_rbf.py target/release/meanfield "$@"
scripts/.venv/bin/python scripts/bench_rbf.py target/release/meanfield
