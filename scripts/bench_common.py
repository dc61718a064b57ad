"""Shared helpers of the benchmark scripts: best-of timing, the peer cloud timed in NumPy and
PyTorch beside meanfield's example binary, and the table they print."""
import json, subprocess, time

import numpy as np
import torch


def best(f, repeats):
    """Best wall time of `repeats` calls of `f`, after one warm-up call."""
    f()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)


def time_peers(sizes, numpy_fn, torch_fn, example, rng):
    """Times `numpy_fn` (f64) and `torch_fn` (f64 and f32) on N samples of N(0, 0.3^2 I_2) with
    equal masses (the cloud meanfield's examples time, crates/core/examples/fixtures), best of
    repeats, then runs the example binary on the same sizes. Returns the peers' rows and the
    example's JSON rows."""
    rows = []
    for n in sizes:
        x = rng.normal(0, 0.3, size=(n, 2)); m = np.full(n, 1.0 / n)
        reps = 5 if n <= 2000 else 2
        rows.append({"impl": "numpy-f64", "n": n, "seconds": best(lambda: numpy_fn(x, m), reps)})
        for dtype, name in [(torch.float64, "torch-f64"), (torch.float32, "torch-f32")]:
            xt, mt = torch.tensor(x, dtype=dtype), torch.tensor(m, dtype=dtype)
            rows.append({"impl": name, "n": n, "seconds": best(lambda: torch_fn(xt, mt), reps)})
    out = subprocess.run([example] + [str(n) for n in sizes], capture_output=True, text=True, check=True).stdout
    return rows, [json.loads(line) for line in out.splitlines() if line.strip()]


def print_table(title, rows, sizes):
    """One markdown table: every implementation's seconds and its speed-up over NumPy and over
    PyTorch f32, per size."""
    print(f"## {title} (seconds per evaluation, best of repeats)\n")
    print("| N | impl | seconds | NumPy / this | PyTorch-f32 / this |\n|---|---|---|---|---|")
    for n in sizes:
        ref = {r["impl"]: r["seconds"] for r in rows if r["n"] == n}
        for r in rows:
            if r["n"] == n:
                print(f"| {n} | {r['impl']} | {r['seconds']:.4g} | {ref['numpy-f64']/r['seconds']:.2f} | {ref['torch-f32']/r['seconds']:.2f} |")
