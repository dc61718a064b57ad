"""WGAN training speed, one run side by side (issue 4, item 8).

The WGAN-GP toy configuration (Gulrajani et al.'s toy script): 8gaussians, generator and
critic with three ReLU layers of width 512, batch 256, n_critic 5, latent dimension 2, Adam
1e-4 (0.5, 0.9). Generator steps per second of the same model in PyTorch (CPU, float32,
torch.autograd.grad with create_graph for the penalty, as in the reference script) and of
`meanfield run experiments/wgan_bench.toml` (its summary's steps_per_second, which excludes
start-up but includes the logged metrics and the checkpoint), for the gradient penalty and for
weight clipping (RMSProp 5e-5, c = 0.01).

The two are measured in alternation, ROUNDS times each, so that a change in the machine's speed
(a shared machine drifts by 20% within minutes) falls on both; every round's ratio is printed,
then the median.

Usage: python scripts/bench_wgan.py path/to/meanfield [steps] [rounds]
"""
import json
import math
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 50
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
BATCH, N_CRITIC, WIDTH = 256, 5, 512


def mlp(d_in, d_out):
    return nn.Sequential(
        nn.Linear(d_in, WIDTH), nn.ReLU(),
        nn.Linear(WIDTH, WIDTH), nn.ReLU(),
        nn.Linear(WIDTH, WIDTH), nn.ReLU(),
        nn.Linear(WIDTH, d_out),
    )


def eight_gaussians(rng, n):
    centres = np.array([(math.cos(k * math.pi / 4), math.sin(k * math.pi / 4)) for k in range(8)]) * 2
    x = centres[rng.integers(0, 8, n)] + 0.02 * rng.standard_normal((n, 2))
    return torch.tensor(x / 1.414, dtype=torch.float32)


def torch_steps_per_second(loss):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    g, d = mlp(2, 2), mlp(2, 1)
    if loss == "wgan_gp":
        opt_g = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.5, 0.9))
        opt_d = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.5, 0.9))
    else:
        opt_g = torch.optim.RMSprop(g.parameters(), 5e-5)
        opt_d = torch.optim.RMSprop(d.parameters(), 5e-5)
    start = time.perf_counter()
    for _ in range(STEPS):
        for _ in range(N_CRITIC):
            real = eight_gaussians(rng, BATCH)
            with torch.no_grad():
                fake = g(torch.randn(BATCH, 2))
            opt_d.zero_grad()
            cost = d(fake).mean() - d(real).mean()
            if loss == "wgan_gp":
                a = torch.rand(BATCH, 1)
                xhat = (a * real + (1 - a) * fake).requires_grad_(True)
                grad, = torch.autograd.grad(d(xhat).sum(), xhat, create_graph=True)
                cost = cost + 10 * ((grad.norm(2, dim=1) - 1) ** 2).mean()
            cost.backward()
            opt_d.step()
            if loss == "wgan_clip":
                for p in d.parameters():
                    p.data.clamp_(-0.01, 0.01)
        opt_g.zero_grad()
        (-d(g(torch.randn(BATCH, 2))).mean()).backward()
        opt_g.step()
    return STEPS / (time.perf_counter() - start)


def meanfield_steps_per_second(binary, loss):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [binary, "run", "experiments/wgan_bench.toml", "--out", f"{tmp}/run",
             "--set", f"wgan.loss=\"{loss}\"", "--set", f"wgan.steps={STEPS}",
             "--set", f"wgan.log_every={STEPS}", "--set", f"wgan.checkpoint_every={STEPS}"],
            check=True, capture_output=True,
        )
        with open(f"{tmp}/run/summary.json") as f:
            return json.load(f)["steps_per_second"]


def main():
    binary = sys.argv[1]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {STEPS} generator steps, "
          f"{ROUNDS} alternating rounds")
    print("| loss | round | PyTorch f32 steps/s | meanfield steps/s | ratio |")
    print("|---|---|---|---|---|")
    for loss in ["wgan_gp", "wgan_clip"]:
        ratios = []
        for r in range(ROUNDS):
            t = torch_steps_per_second(loss)
            m = meanfield_steps_per_second(binary, loss)
            ratios.append(m / t)
            print(f"| {loss} | {r + 1} | {t:.2f} | {m:.2f} | {m / t:.2f}x |", flush=True)
        print(f"| {loss} | median | | | {float(np.median(ratios)):.2f}x |", flush=True)


if __name__ == "__main__":
    main()
