"""The RBF network trainer with its defaults against scikit-learn's MLPRegressor (64, 64) with
its defaults, on fresh random functions of three families, several seeds each, side by side.

Usage: compare_rbf.py MEANFIELD_BINARY [--seeds K] [--first-seed S] [--neurons N]
                      [--families a,b] [--set KEY=VALUE]...

Every draw writes a training CSV (noisy samples) and a test CSV (clean points), trains both,
and reports the test MSE divided by the variance of the clean test values, and the training
wall time (meanfield: `start_seconds + wall_seconds` of summary.json, the data-based start with
its least-squares fit and the training loop, the data already read; scikit-learn: `fit`)."""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np
from sklearn.neural_network import MLPRegressor


def bump_plus_saddle(rng):
    """The issue's family on [-1, 1]^2: exp(-|z - c|^2 / s) + k z0 z1."""
    c = rng.uniform(-0.6, 0.6, 2); s = rng.uniform(0.1, 0.6); k = rng.uniform(-1, 1)
    return 2, 1500, lambda z: np.exp(-((z - c) ** 2).sum(1) / s) + k * z[:, 0] * z[:, 1]


def random_waves(rng):
    """Three plane waves of random direction and frequency (|omega| up to about 4) on [-1, 1]^2."""
    om = rng.normal(0, 2.0, (3, 2)); ph = rng.uniform(0, 2 * np.pi, 3); al = rng.uniform(0.3, 1, 3)
    return 2, 1500, lambda z: (al * np.sin(z @ om.T + ph)).sum(1)


def ridge_5d(rng):
    """A smooth function of two random directions on [-1, 1]^5: tanh(2 u.z) + (v.z)^2."""
    u = rng.normal(size=5); u /= np.linalg.norm(u); v = rng.normal(size=5); v /= np.linalg.norm(v)
    return 5, 3000, lambda z: np.tanh(2 * z @ u) + (z @ v) ** 2


FAMILIES = {"bump_plus_saddle": bump_plus_saddle, "random_waves": random_waves, "ridge_5d": ridge_5d}


def write_csv(path, z, y, prefix):
    d = z.shape[1]
    header = ",".join([f"{prefix}{k}" for k in range(d)] + (["y"] if y is not None else []))
    cols = z if y is None else np.column_stack([z, y])
    np.savetxt(path, cols, delimiter=",", header=header, comments="", fmt="%.12e")


def meanfield(binary, work, z, y, zt, neurons, seed, sets):
    train, test = os.path.join(work, "train.csv"), os.path.join(work, "test.csv")
    write_csv(train, z, y, "z"); write_csv(test, zt, None, "x")
    config = os.path.join(work, "run.toml")
    with open(config, "w") as f:
        f.write(f'name = "compare"\nmethod = "rbf_network"\nseed = {seed}\n[particles]\nn = {neurons}\n'
                f'[network]\ndata = {{ kind = "csv", path = "{train}" }}\n')
    out = os.path.join(work, "run")
    overrides = [a for kv in sets for a in ("--set", kv)]
    subprocess.run([binary, "run", config, "--out", out] + overrides, check=True, capture_output=True)
    pred = os.path.join(work, "pred.csv")
    subprocess.run([binary, "predict", "--model", out, "--input", test, "--output", pred],
                   check=True, capture_output=True)
    summary = json.load(open(os.path.join(out, "summary.json")))
    return np.loadtxt(pred, delimiter=",", skiprows=1)[:, -1], summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary"); ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--neurons", type=int, default=64)
    ap.add_argument("--set", action="append", default=[], help="a meanfield override KEY=VALUE")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--first-seed", type=int, default=0)
    args = ap.parse_args()
    print("| family | seed | meanfield test MSE / var | MLP (64, 64) test MSE / var | ratio | meanfield train s | MLP fit s | optimizer, steps |")
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for name in args.families.split(","):
        family = FAMILIES[name]
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rng = np.random.default_rng(1000 * (list(FAMILIES).index(name) + 1) + seed)
            d, samples, f = family(rng)
            z = rng.uniform(-1, 1, (samples, d)); y = f(z) + rng.normal(0, 0.05, samples)
            zt = rng.uniform(-1, 1, (500, d)); yt = f(zt); var = yt.var()
            with tempfile.TemporaryDirectory() as work:
                pred, summary = meanfield(args.binary, work, z, y, zt, args.neurons, seed, args.set)
            ours = ((pred - yt) ** 2).mean() / var
            t = time.perf_counter()
            mlp = MLPRegressor(hidden_layer_sizes=(64, 64), random_state=seed).fit(z, y)
            mlp_s = time.perf_counter() - t
            theirs = ((mlp.predict(zt) - yt) ** 2).mean() / var
            ours_s = summary["start_seconds"] + summary["wall_seconds"]
            rows.append((name, ours, theirs, ours_s, mlp_s))
            print(f"| {name} | {seed} | {ours:.4f} | {theirs:.4f} | {ours / theirs:.2f} | "
                  f"{ours_s:.2f} | {mlp_s:.2f} | {summary['optimizer']}, {summary['steps']} |", flush=True)
    print()
    for name in args.families.split(","):
        r = np.array([x[1:] for x in rows if x[0] == name])
        print(f"{name}: meanfield {r[:, 0].min():.4f}-{r[:, 0].max():.4f}, MLP {r[:, 1].min():.4f}-{r[:, 1].max():.4f}, "
              f"ratio {np.min(r[:, 0] / r[:, 1]):.2f}-{np.max(r[:, 0] / r[:, 1]):.2f}, "
              f"time {r[:, 2].min():.2f}-{r[:, 2].max():.2f} s vs {r[:, 3].min():.2f}-{r[:, 3].max():.2f} s")


if __name__ == "__main__":
    sys.exit(main())
