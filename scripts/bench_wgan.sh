#!/usr/bin/env bash
# WGAN training speed against the same model in PyTorch on the CPU, one run.
# Installs PyTorch into scripts/.venv (PyPI) and builds meanfield in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch
cargo build --release -p meanfield-cli
scripts/.venv/bin/python scripts/bench_wgan.py target/release/meanfield "$@"
