#!/usr/bin/env bash
# Blob-method velocity against NumPy and PyTorch (CPU) and a C loop (gcc -O3 -march=native
# -ffast-math -fopenmp), one run; then the large cases (cut-off and random batch at N = 10^5 and
# 10^6, d = 3) under /usr/bin/time -v for peak memory. Installs the Python peers into
# scripts/.venv (PyPI) and builds meanfield in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv scripts/.venv
scripts/.venv/bin/pip install -q numpy torch
cargo build --release -p meanfield-blob --example blob_step
gcc -O3 -march=native -ffast-math -fopenmp scripts/blob_reference.c -o target/release/blob_reference -lm
lscpu | grep -E "Model name|^CPU\(s\)"
echo "AVX-512: $(grep -c avx512f /proc/cpuinfo | head -1) logical CPUs report avx512f"
scripts/.venv/bin/python scripts/bench_blob.py target/release/examples/blob_step
target/release/blob_reference 1000 10000 100000
/usr/bin/time -v target/release/examples/blob_step --large 2> >(grep -E "Maximum resident|Elapsed" >&2)
