#!/usr/bin/env bash
# Dynamic OT against BlobOT's own method (PyTorch SGD with its plateau and stopping rule), one
# run: every optimiser on fresh draws of BlobOT's setting, fresh empirical clouds, fresh obstacle
# layouts and the time to BlobOT's final objective. Installs NumPy, SciPy and PyTorch into
# scripts/.venv (PyPI) and builds meanfield in release mode. Arguments go to compare_dynot.py
# (--part, --draws, --first-seed, --sizes, --optimizers, --shapes, --cases); the README names the
# commands behind its tables.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy scipy torch
cargo build --release -p meanfield-cli
scripts/.venv/bin/python scripts/compare_dynot.py target/release/meanfield "$@"
