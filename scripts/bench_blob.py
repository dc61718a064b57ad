"""One velocity evaluation of the blob method, d = 2, Gaussian target N(0, 0.5^2 I), Gaussian
mollifier eps = 0.1, closed-form overlap (MATH.md section 2), in NumPy (f64, tiles of 1000
rows, analytic gradient) and PyTorch on CPU (f64 and f32, tiles, autograd), against
meanfield's example binary (the pair engine, the generic fused loop and tiled tensor autodiff).
Called by bench_blob.sh with the example's path."""
import math, os, sys
import numpy as np
import torch

from bench_common import print_table, time_peers

torch.set_num_threads(os.cpu_count())
EXAMPLE = sys.argv[1]
SIZES = [1000, 10000]
EPS, SIG = 0.1, 0.5
ALPHA = 2 / EPS**2 - 1 / SIG**2
KAPPA = 1 / (2 * ALPHA * EPS**4)
NORM = (math.sqrt(2 * math.pi * SIG**2) / (2 * math.pi * EPS**2) * math.sqrt(2 * math.pi / ALPHA)) ** 2
TILE = 1000


def numpy_velocity(x, m):
    v = np.empty_like(x)
    for s in range(0, len(x), TILE):
        a = x[s:s + TILE]
        sab = a[:, None, :] + x[None, :, :]
        expo = KAPPA * (sab * sab).sum(-1) - ((a * a).sum(-1)[:, None] + (x * x).sum(-1)[None, :]) / (2 * EPS**2)
        i = NORM * np.exp(expo) * m[None, :]
        slope = 2 * KAPPA * sab - a[:, None, :] / EPS**2
        v[s:s + TILE] = -(i[:, :, None] * slope).sum(1)
    return v


def torch_velocity(x, m):
    out = []
    for s in range(0, len(x), TILE):
        a = x[s:s + TILE].clone().requires_grad_(True)
        sab = a[:, None, :] + x[None, :, :]
        expo = KAPPA * (sab * sab).sum(-1) - ((a * a).sum(-1)[:, None] + (x * x).sum(-1)[None, :]) / (2 * EPS**2)
        e = (NORM * torch.exp(expo) * m[None, :]).sum() * (1.0 / len(x))
        (g,) = torch.autograd.grad(e, a)
        out.append(-g * len(x))
    return torch.cat(out)


rows, extra = time_peers(SIZES, numpy_velocity, torch_velocity, EXAMPLE, np.random.default_rng(0))
print_table("blob velocity, Gaussian target, d = 2", rows + [r for r in extra if r["n"] in SIZES], SIZES)
for r in extra:
    if r["n"] not in SIZES:
        print(r)
