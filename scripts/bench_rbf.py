"""RBF network training speed (samples per second) against the same network in PyTorch on the
CPU, in one run: f(z) = b + (1/N) sum_i a_i phi_{eps_i}(|x_i - z|) with trainable centres,
weights, per-neuron widths and bias, minibatch Adam, the same batch and steps.

Usage: bench_rbf.py MEANFIELD_BINARY [--rows R] [--dims D ...] [--batches B ...] [--steps S]

For each dimension a CSV of R rows (z ~ U[-1, 1]^d, y = a smooth function + noise) is written;
meanfield trains on it with `optimizer = "adam"`, no evaluations between the first and last
step and no early stop, and reports `wall_seconds` (the training loop); PyTorch (f64 and f32,
`torch.set_num_threads` left at its default) runs the same steps on the same rows, timed
around its loop. Also reported: meanfield's time to read the CSV and start (whole command
wall time minus the training loop)."""
import argparse, json, os, subprocess, tempfile, time

import numpy as np
import torch


def rbf_torch(z, y, n, batch, steps, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    zt = torch.tensor(z, dtype=dtype); yt = torch.tensor(y, dtype=dtype)
    k, d = zt.shape
    x = zt[torch.randperm(k, generator=g)[:n]].clone().requires_grad_()
    a = torch.ones(n, dtype=dtype, requires_grad=True)
    log_eps = torch.full((n,), np.log(0.5), dtype=dtype, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, requires_grad=True)
    opt = torch.optim.Adam([x, a, log_eps, b], lr=0.005)
    t = time.perf_counter()
    for _ in range(steps):
        idx = torch.randint(0, k, (batch,), generator=g)
        zb, yb = zt[idx], yt[idx]
        eps2 = torch.exp(2 * log_eps)
        # |z - x|^2 by the matmul expansion: PyTorch's fastest form on the CPU.
        r2 = ((zb * zb).sum(1, keepdim=True) + (x * x).sum(1) - 2 * zb @ x.T).clamp_min(0)
        phi = torch.exp(-r2 / (2 * eps2)) * (2 * np.pi * eps2) ** (-d / 2) / n
        loss = 0.5 * ((phi @ a + b - yb) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary"); ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 10])
    ap.add_argument("--batches", type=int, nargs="+", default=[128, 1024])
    ap.add_argument("--neurons", type=int, default=64); ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"rows {args.rows}, N = {args.neurons}, {args.steps} Adam steps; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads\n")
    print("| d | batch | meanfield samples/s | torch f64 samples/s | torch f32 samples/s | meanfield / torch f32 | meanfield read + start s |")
    print("|---|---|---|---|---|---|---|")
    for d in args.dims:
        z = rng.uniform(-1, 1, (args.rows, d))
        y = np.sin(2 * z[:, 0]) + np.tanh(z.sum(1) / np.sqrt(d)) + rng.normal(0, 0.05, args.rows)
        with tempfile.TemporaryDirectory() as work:
            data = os.path.join(work, "data.csv")
            np.savetxt(data, np.column_stack([z, y]), delimiter=",", comments="", fmt="%.10e",
                       header=",".join([f"z{k}" for k in range(d)] + ["y"]))
            for batch in args.batches:
                config = os.path.join(work, "run.toml")
                with open(config, "w") as f:
                    f.write(f'name = "bench"\nmethod = "rbf_network"\nseed = 0\n[particles]\nn = {args.neurons}\n'
                            f'[network]\ndata = {{ kind = "csv", path = "{data}" }}\neps = 0.5\n'
                            f'weight_init = 1.0\noptimizer = "adam"\nsteps = {args.steps}\nbatch_size = {batch}\n'
                            f'log_every = {args.steps}\npatience = 0\n')
                out = os.path.join(work, f"run{batch}")
                t = time.perf_counter()
                subprocess.run([args.binary, "run", config, "--out", out], check=True, capture_output=True)
                whole = time.perf_counter() - t
                ours = json.load(open(os.path.join(out, "summary.json")))["wall_seconds"]
                rates = [args.steps * batch / ours]
                for dtype in [torch.float64, torch.float32]:
                    rates.append(args.steps * batch / rbf_torch(z, y, args.neurons, batch, args.steps, dtype, 0))
                print(f"| {d} | {batch} | {rates[0]:.3g} | {rates[1]:.3g} | {rates[2]:.3g} | {rates[0] / rates[2]:.2f} | {whole - ours:.2f} |", flush=True)


if __name__ == "__main__":
    main()
