#!/usr/bin/env bash
# Side-by-side benchmark against NumPy, PyTorch (CPU) and POT, in one run.
# Installs the Python peers into scripts/.venv (PyPI) and builds meanfield in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch pot
cargo build --release -p meanfield-cli -p meanfield-core --example swarming_step
scripts/.venv/bin/python scripts/bench_peers.py target/release/meanfield target/release/examples/swarming_step
