#!/usr/bin/env bash
# Blob-method velocity against NumPy and PyTorch (CPU), one run; random batch at N = 10^6.
# Installs the Python peers into scripts/.venv (PyPI) and builds meanfield in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch
cargo build --release -p meanfield-blob --example blob_step
scripts/.venv/bin/python scripts/bench_blob.py target/release/examples/blob_step
