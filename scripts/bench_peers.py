"""Side-by-side timings against Python peers, in one run (called by bench_peers.sh).

1. One energy + gradient evaluation of the 2-D swarming flow, K = |x|^4/4 - |x|^2/2, equal
   masses 1/N, same initial points law, in NumPy (dense N x N, analytic gradient, f64) and in
   PyTorch on CPU (dense N x N, autograd, f64 and f32); meanfield's numbers come from its
   example binary (fused f64 path and tiled-tensor autodiff path).
2. Exact OT: POT's ot.emd2 (network simplex; cost matrix built inside the timing) against
   `meanfield ot emd` (process wall time, CSV reading included, and its own solve time).
"""
import json, subprocess, sys, tempfile, time, os
import numpy as np
import torch

from bench_common import print_table, time_peers
import ot

torch.set_num_threads(os.cpu_count())
MEANFIELD, EXAMPLE = sys.argv[1], sys.argv[2]
SIZES = [1000, 10000]


def numpy_step(x, m):
    d = x[:, None, :] - x[None, :, :]
    r2 = (d * d).sum(-1)
    k = r2 * r2 / 4 - r2 / 2
    e = 0.5 * (m[:, None] * m[None, :] * k).sum()
    g = ((m[None, :] * (r2 - 1))[:, :, None] * d).sum(1) * m[:, None]
    return e, g


def torch_step(x, m):
    x = x.clone().requires_grad_(True)
    d = x[:, None, :] - x[None, :, :]
    r2 = (d * d).sum(-1)
    k = r2 * r2 / 4 - r2 / 2
    e = 0.5 * (m[:, None] * m[None, :] * k).sum()
    e.backward()
    return e.item(), x.grad


rng = np.random.default_rng(0)
rows, extra = time_peers(SIZES, numpy_step, torch_step, EXAMPLE, rng)
print_table("swarming energy + gradient, d = 2", rows + extra, SIZES)

print("\n## exact OT, uniform points in [0,1]^2, squared Euclidean cost (seconds)\n")
print("| n | POT ot.emd2 (with ot.dist) | meanfield ot emd (process) | meanfield solve | cost POT | cost meanfield |\n|---|---|---|---|---|---|")
with tempfile.TemporaryDirectory() as tmp:
    for n in [500, 1000, 2000]:
        a, b = rng.random((n, 2)), rng.random((n, 2))
        w = np.full(n, 1.0 / n)
        t = time.perf_counter()
        cost = ot.emd2(w, w, ot.dist(a, b), numItermax=10**8)
        t_pot = time.perf_counter() - t
        pa, pb = os.path.join(tmp, "a.csv"), os.path.join(tmp, "b.csv")
        np.savetxt(pa, a, delimiter=",", header="x0,x1", comments="")
        np.savetxt(pb, b, delimiter=",", header="x0,x1", comments="")
        t = time.perf_counter()
        res = json.loads(subprocess.run([MEANFIELD, "ot", "emd", pa, pb], capture_output=True, text=True, check=True).stdout)
        t_mf = time.perf_counter() - t
        print(f"| {n} | {t_pot:.4f} | {t_mf:.4f} | {res['solve_seconds']:.4f} | {cost:.6f} | {res['cost']:.6f} |")
