#!/usr/bin/env bash
# Dynamic OT against plain gradient descent in PyTorch, and exact OT against POT, one run.
# Installs the Python peers into scripts/.venv (PyPI) and builds meanfield in release mode. An
# optional argument gives the problem seeds of the dynamic-OT table (default 7; e.g. 7,8,9).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch pot
cargo build --release -p meanfield-cli
scripts/.venv/bin/python scripts/bench_dynot.py target/release/meanfield "$@"
