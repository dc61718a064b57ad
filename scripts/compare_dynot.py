"""Dynamic OT against BlobOT's own method, side by side in one run (issue 17).

BlobOT's method (Craig, Elamvazhuthi, Lee; the paper's code, github.com/HarlinLee/BlobOT), written
here from its published description: PyTorch on the CPU in f32, the objective
kinetic + (1/eps) ||phi * (rho^N(1) - rhobar)||^2 minimised by torch.optim.SGD (lr 0.01) with
ReduceLROnPlateau(patience 30, threshold 0, factor 0.5) and early stopping after 100 iterations
without a new best loss. Its mollifier is a Gaussian of variance delta_blobot^2 on the pair
distance; meanfield's penalty Gaussian has variance 2 delta^2, so delta = delta_blobot / sqrt(2).
Both start from straight lines to the target's centre of mass and minimise the same objective,
which this script also evaluates itself on both results.

Parts (--part):
  blobot     BlobOT's POT-comparison setting: N = 30 sources ~ U[0,1]^2, targets ~ N(1.5, 0.3^2 I),
             L = 2, eps = 0.01, delta_blobot = N^(-0.99/2). Per fresh draw: the objective over the
             exact W2^2 for BlobOT's method and for meanfield gd (lr 0.01), adam (lr 0.01) and
             lbfgs, each with the discrete moves (the default) and without (`reassign = false`).
  speed      The same setting at N = 30, 100, 1000 and an obstacle case: seconds until each
             method first reaches BlobOT's final objective (from meanfield's metrics.csv).
  empirical  Fresh empirical clouds, N = 30, 100, 300, 1000, several target shapes, meanfield's
             recommended settings: kinetic / exact W2^2 and the share of particles whose plan
             (end point matched to a target point) is their exact partner.
  obstacles  Fresh layouts of disks between sources and targets: cost / the visibility-graph
             reference.

Usage: python scripts/compare_dynot.py path/to/meanfield [--part P] [--draws D] [--first-seed S]
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment


def write_csv(path, pts):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"x{k}" for k in range(pts.shape[1])])
        w.writerows(pts.tolist())


def exact_w2(x0, w):
    cost = ((x0[:, None, :] - w[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    return cost[rows, cols].mean(), cols


def blobot_draw(seed, n):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, (n, 2)), rng.normal(1.5, 0.3, (n, 2))


class Problem:
    """The objective both methods minimise, in PyTorch: free levels P [n, L, d] after the fixed
    sources; kinetic (1/N) sum |x^{l+1} - x^l|^2 / dt, the terminal penalty with meanfield's
    delta, and disk obstacles penalised by obstacle_weight * mean over segments of the squared
    penetration depth of the segment (meanfield's definition)."""

    def __init__(self, x0, w, levels, delta, eps, disks=(), obstacle_weight=1e3, dtype=torch.float32):
        self.x0 = torch.tensor(x0, dtype=dtype)
        self.w = torch.tensor(w, dtype=dtype)
        self.levels, self.eps, self.dtype = levels, eps, dtype
        self.s2 = 2 * delta**2
        self.norm = (2 * math.pi * self.s2) ** (-x0.shape[1] / 2)
        self.disks = [(torch.tensor(c, dtype=dtype), r) for c, r in disks]
        self.obstacle_weight = obstacle_weight
        self.const = self.gauss_mean(self.w, self.w)

    def gauss_mean(self, a, b):
        return self.norm * torch.exp(-torch.cdist(a, b).square() / (2 * self.s2)).mean()

    def start(self):
        com = self.w.mean(0)
        s = torch.arange(1, self.levels + 1, dtype=self.dtype) / self.levels
        return self.x0[:, None, :] + s[None, :, None] * (com - self.x0)[:, None, :]

    def value(self, p):
        n = self.x0.shape[0]
        full = torch.cat([self.x0[:, None, :], p], 1)
        kinetic = (full[:, 1:] - full[:, :-1]).square().sum() * self.levels / n
        y = p[:, -1]
        disc = self.gauss_mean(y, y) - 2 * self.gauss_mean(y, self.w) + self.const
        total = kinetic + disc / self.eps
        if self.disks:
            a, b = full[:, :-1].reshape(-1, 2), full[:, 1:].reshape(-1, 2)
            obstacle = 0.0
            for c, r in self.disks:
                ab = b - a
                t = ((c - a) * ab).sum(-1) / ab.square().sum(-1).clamp_min(1e-30)
                closest = a + t.clamp(0, 1)[:, None] * ab
                depth = (r - (closest - c).norm(dim=-1)).clamp_min(0)
                obstacle = obstacle + self.obstacle_weight * depth.square().mean()
            total = total + obstacle
        return total


def read_free_levels(out, n, levels):
    """The free levels [n, L, d] of meanfield's trajectories.csv (particle, level, t, x0, ..)."""
    rows = np.loadtxt(f"{out}/trajectories.csv", delimiter=",", skiprows=1, ndmin=2)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    return rows[:, 3:].reshape(n, levels + 1, -1)[:, 1:]


def blobot_method(problem, budget_s=600.0, max_iter=10**6):
    """SGD lr 0.01, ReduceLROnPlateau(patience 30, threshold 0, factor 0.5), early stop after
    100 iterations above the best loss. Returns (final loss, seconds, iterations, trace) where
    trace is [(seconds, loss)] per iteration."""
    p = problem.start().clone().requires_grad_(True)
    opt = torch.optim.SGD([p], lr=0.01)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=30, threshold=0, factor=0.5)
    best, counter, trace = None, 0, []
    t0 = time.perf_counter()
    for it in range(1, max_iter + 1):
        loss = problem.value(p)
        opt.zero_grad()
        loss.backward()
        opt.step()
        value = loss.item()
        sched.step(value)
        trace.append((time.perf_counter() - t0, value))
        if best is None or value <= best:
            best, counter = value, 0
        else:
            counter += 1
            if counter >= 100:
                break
        if trace[-1][0] > budget_s:
            break
    return trace[-1][1], trace[-1][0], it, p.detach()


def meanfield(exe, tmp, tag, x0, w, levels, delta, eps, transport, obstacles="", log_every=10):
    d = os.path.join(tmp, tag)
    os.makedirs(d, exist_ok=True)
    write_csv(f"{d}/x.csv", x0)
    write_csv(f"{d}/w.csv", w)
    with open(f"{d}/run.toml", "w") as f:
        f.write(f"""name = "compare_dynot"
seed = 1
method = "dynamic_ot"
[particles]
n = {len(x0)}
init = {{ kind = "csv", path = "{d}/x.csv" }}
[transport]
levels = {levels}
target = {{ kind = "csv", path = "{d}/w.csv" }}
delta = {delta!r}
eps_pen = {eps!r}
log_every = {log_every}
{transport}
{obstacles}
""")
    out = f"{d}/out"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([exe, "run", f"{d}/run.toml", "--out", out], check=True, capture_output=True)
    wall = time.perf_counter() - t
    with open(f"{out}/summary.json") as f:
        summary = json.load(f)
    with open(f"{out}/metrics.csv") as f:
        trace = [(float(r["wall_seconds"]), float(r["objective"])) for r in csv.DictReader(f)]
    ends = np.loadtxt(f"{out}/particles_final.csv", delimiter=",", skiprows=1, ndmin=2)
    return summary, trace, wall, ends


OPTIMIZERS = {
    "gd": 'optimizer = "gd"\nlr = 0.01\niterations = 20000',
    "adam": 'optimizer = "adam"\nlr = 0.01\niterations = 20000',
    "lbfgs": 'optimizer = "lbfgs"\nlr = 1.0\niterations = 20000',
}


def spread(values):
    v = np.array(values)
    return f"{v.min():.4f} / {np.median(v):.4f} / {v.max():.4f}"


def part_blobot(exe, tmp, draws, first_seed):
    n, levels, eps = 30, 2, 0.01
    delta_blobot = n ** (-0.99 / 2)
    delta = delta_blobot / math.sqrt(2)
    print(f"## BlobOT's setting: N = {n}, L = {levels}, eps = {eps}, delta_blobot = {delta_blobot:.4f} "
          f"(meanfield delta = {delta:.4f}); objective / exact W2^2, {draws} fresh draws from seed {first_seed}\n")
    cols = ["blobot"] + [f"{k}" for k in OPTIMIZERS] + [f"{k} plain" for k in OPTIMIZERS]
    print("| seed | W2^2 | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 2) + "|")
    ratios = {c: [] for c in cols}
    agreement = 0.0
    for seed in range(first_seed, first_seed + draws):
        x0, w = blobot_draw(seed, n)
        w2, _ = exact_w2(x0, w)
        problem = Problem(x0, w, levels, delta, eps)
        problem64 = Problem(x0, w, levels, delta, eps, dtype=torch.float64)
        final, secs, its, _ = blobot_method(problem)
        ratios["blobot"].append(final / w2)
        row = [f"{final / w2:.4f}"]
        for plain in (False, True):
            for k, opt in OPTIMIZERS.items():
                extra = opt + ("\nreassign = false" if plain else "")
                tag = f"b{seed}{k}{plain}"
                s, _, _, _ = meanfield(exe, tmp, tag, x0, w, levels, delta, eps, extra)
                r = s["objective"] / w2
                # BlobOT's form of the objective (this script's) on meanfield's trajectories.
                free = torch.tensor(read_free_levels(f"{tmp}/{tag}/out", n, levels))
                theirs = problem64.value(free).item()
                agreement = max(agreement, abs(theirs / s["objective"] - 1))
                ratios[f"{k}{' plain' if plain else ''}"].append(r)
                row.append(f"{r:.4f}")
        print(f"| {seed} | {w2:.4f} | " + " | ".join(row) + " |", flush=True)
    print(f"\nBlobOT's form of the objective (f64) on meanfield's final trajectories differs from "
          f"meanfield's own value by at most {agreement:.1e} (relative).\n")
    print("Spread over the draws (min / median / max of objective / W2^2), and the draws within "
          "0.2% of BlobOT's method or better:\n")
    print("| method | min / median / max | within 0.2% of BlobOT or better | worst excess over BlobOT |")
    print("|---|---|---|---|")
    ref = np.array(ratios["blobot"])
    for c in cols:
        v = np.array(ratios[c])
        ok = int((v <= ref * 1.002).sum())
        print(f"| {c} | {spread(v)} | {ok} / {len(v)} | {100 * (v / ref - 1).max():+.2f}% |")


def first_reach(trace, target):
    for secs, value in trace:
        if value <= target:
            return secs
    return None


SPEED_CASES = {"30": (30, ()), "100": (100, ()), "1000": (1000, ()), "obstacle": (30, ((0.75, 0.55, 0.18),))}


def part_speed(exe, tmp, draws, first_seed, cases=tuple(SPEED_CASES)):
    print("\n## Time to BlobOT's final objective (seconds from the solver's start; meanfield's whole "
          "process in brackets)\n")
    print("| case | seed | BlobOT final / W2^2 | BlobOT s (iterations) | " +
          " | ".join(f"meanfield {k} s" for k in OPTIMIZERS) + " | best speed-up | meanfield final / BlobOT final |")
    print("|---" * (6 + len(OPTIMIZERS)) + "|")
    for n, disks in (SPEED_CASES[c] for c in cases):
        for seed in range(first_seed, first_seed + draws):
            x0, w = obstacle_draw(seed, n) if disks else blobot_draw(seed, n)
            levels = 2 if not disks else 8
            eps = 0.01
            delta = n ** (-0.99 / 2) / math.sqrt(2)
            w2 = exact_w2(x0, w)[0]
            problem = Problem(x0, w, levels, delta, eps, [((c[0], c[1]), c[2]) for c in disks])
            final, secs, its, _ = blobot_method(problem, budget_s=240.0)
            obstacles = "\n".join(
                f'[[transport.obstacles]]\nkind = "disk"\ncenter = [{c[0]}, {c[1]}]\nradius = {c[2]}'
                for c in disks)
            row, best, finals = [], None, []
            for k, opt in OPTIMIZERS.items():
                s, trace, wall, _ = meanfield(exe, tmp, f"s{n}{len(disks)}{seed}{k}", x0, w, levels, delta, eps,
                                              opt, obstacles, log_every=20)
                at = first_reach(trace, final)
                finals.append(s["objective"])
                row.append(f"{at:.3g} ({wall:.2f})" if at is not None else f"not reached ({s['objective'] / w2:.4f})")
                if at is not None and (best is None or at < best):
                    best = at
            name = f"N = {n}" + (", one disk, L = 8" if disks else ", L = 2")
            speed = f"{secs / best:.1f}x" if best else "-"
            print(f"| {name} | {seed} | {final / w2:.4f} | {secs:.3g} ({its}) | " + " | ".join(row) +
                  f" | {speed} | {min(finals) / final:.4f} |", flush=True)


def obstacle_draw(seed, n):
    """Sources ~ U([0, 0.45] x [0, 1.1]) and targets ~ U([1.05, 1.5] x [0, 1.1]): left and right of
    the speed case's disk (centre (0.75, 0.55), radius 0.18), so none is inside it."""
    rng = np.random.default_rng(seed)
    x0 = rng.uniform([0.0, 0.0], [0.45, 1.1], (n, 2))
    w = rng.uniform([1.05, 0.0], [1.5, 1.1], (n, 2))
    return x0, w


SHAPES = {
    "gaussian": lambda rng, n: rng.normal([3.0, 0.5], 0.3, (n, 2)),
    "4 clusters": lambda rng, n: np.array([[2.5, -0.5], [2.5, 1.5], [3.5, -0.5], [3.5, 1.5]])[
        rng.integers(0, 4, n)] + 0.05 * rng.standard_normal((n, 2)),
    "ring": lambda rng, n: np.array([3.0, 0.5]) + np.stack(
        [np.cos(a := rng.uniform(0, 2 * math.pi, n)), np.sin(a)], 1) * rng.uniform(0.8, 1.0, (n, 1)),
}

ANNEAL = 'anneal = { stages = 6, delta_factor = 8.0, eps_pen_factor = 1.0 }'
EMPIRICAL = {
    "lbfgs": 'optimizer = "lbfgs"\nlr = 1.0\niterations = 20000\n' + ANNEAL,
    "adam": 'optimizer = "adam"\nlr = 0.003\niterations = 20000\n' + ANNEAL,
}


def part_empirical(exe, tmp, draws, first_seed, sizes=(30, 100, 300, 1000), optimizers=tuple(EMPIRICAL),
                   shapes=tuple(SHAPES)):
    print("\n## Fresh empirical clouds: N sources ~ U[0,1]^2 to N samples of a target shape; L = 20, "
          "eps_pen = 1e-3, delta = 0.3 / sqrt(N)\n")
    print("kinetic / W2^2 (cost_ratio), the plan's cost at exact costs / W2^2 (plan_cost_ratio), the "
          "share of particles whose end point is matched to its exact partner (plan_agreement) and "
          "whose nearest target point is it (matching_agreement), min / median / max over the draws\n")
    print("| N | target | optimizer | draws | cost_ratio | plan_cost_ratio | plan_agreement | matching_agreement "
          "| within 1% | warnings | seconds |")
    print("|---" * 11 + "|")
    for n in sizes:
        delta = 0.3 / math.sqrt(n)
        for shape in shapes:
            sample = SHAPES[shape]
            for k in optimizers:
                opt = EMPIRICAL[k]
                rows = []
                for seed in range(first_seed, first_seed + draws):
                    rng = np.random.default_rng(seed)
                    x0, w = rng.uniform(0, 1, (n, 2)), sample(rng, n)
                    s, _, wall, _ = meanfield(exe, tmp, f"e{n}{shape[:4]}{seed}{k}", x0, w, 20, delta, 1e-3, opt,
                                              log_every=50)
                    rows.append((s["cost_ratio"], s["plan_cost_ratio"], s["plan_agreement"],
                                 s["matching_agreement"], len(s.get("warnings", [])), wall))
                r = np.array(rows)
                within = int((np.abs(r[:, 0] - 1) <= 0.01).sum())
                print(f"| {n} | {shape} | {k} | {draws} | {spread(r[:, 0])} | {spread(r[:, 1])} | {spread(r[:, 2])} | "
                      f"{spread(r[:, 3])} | {within} / {draws} | {int((r[:, 4] > 0).sum())} | {spread(r[:, 5])} |",
                      flush=True)


def obstacle_layout(seed, n):
    """Two disks of random centres and radii between N sources ~ U[0,1]^2 and N samples of
    N((3.2, 0.5), 0.25^2), redrawn until no point is inside one."""
    rng = np.random.default_rng(seed)
    while True:
        disks = [(rng.uniform(1.5, 2.2), rng.uniform(-0.1, 1.1), rng.uniform(0.15, 0.35)) for _ in range(2)]
        x0, w = rng.uniform(0, 1, (n, 2)), rng.normal([3.2, 0.5], 0.25, (n, 2))
        pts = np.concatenate([x0, w])
        if all((np.hypot(pts[:, 0] - cx, pts[:, 1] - cy) > r).all() for cx, cy, r in disks):
            return x0, w, disks


OBSTACLE_SETTINGS = """optimizer = "lbfgs"
lr = 1.0
iterations = 3000
anneal = { stages = 6, delta_factor = 8.0, eps_pen_factor = 1.0 }
perturbation = 0.15
obstacle_weight = 1e4"""


def part_obstacles(exe, tmp, draws, first_seed, n=30):
    print(f"\n## Fresh obstacle layouts: two random disks, N = {n} sources ~ U[0,1]^2 to N samples of "
          "N((3.2, 0.5), 0.25^2), L = 24, delta = 0.03, eps_pen = 1e-3, L-BFGS annealed, obstacle_weight 1e4; "
          "kinetic / the visibility-graph reference\n")
    print("| restarts | draws | cost_ratio min / median / max | within 3% | within 1% | largest penetration | plan_agreement | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for restarts in (0, 3):
        rows = []
        for seed in range(first_seed, first_seed + draws):
            x0, w, disks = obstacle_layout(seed, n)
            obstacles = "\n".join(
                f'[[transport.obstacles]]\nkind = "disk"\ncenter = [{cx!r}, {cy!r}]\nradius = {r!r}' for cx, cy, r in disks)
            s, _, wall, _ = meanfield(exe, tmp, f"o{seed}{restarts}", x0, w, 24, 0.03, 1e-3,
                                      OBSTACLE_SETTINGS + f"\nrestarts = {restarts}", obstacles, log_every=50)
            rows.append((s["cost_ratio"], s["obstacle_violation"], s["plan_agreement"], wall))
        r = np.array(rows)
        print(f"| {restarts} | {draws} | {spread(r[:, 0])} | {int((abs(r[:, 0] - 1) <= 0.03).sum())} / {draws} | "
              f"{int((abs(r[:, 0] - 1) <= 0.01).sum())} / {draws} | {r[:, 1].max():.2e} | {spread(r[:, 2])} | {spread(r[:, 3])} |",
              flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--part", default="all", choices=["all", "blobot", "speed", "empirical", "obstacles"])
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--sizes", default="30,100,300,1000", help="empirical: N values")
    ap.add_argument("--optimizers", default=",".join(EMPIRICAL), help="empirical: optimizers")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="empirical: target shapes")
    ap.add_argument("--cases", default=",".join(SPEED_CASES), help="speed: cases")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    print(f"# machine: {os.uname().machine}, {os.cpu_count()} cores; torch {torch.__version__}\n")
    with tempfile.TemporaryDirectory() as tmp:
        if args.part in ("all", "blobot"):
            part_blobot(args.exe, tmp, args.draws, args.first_seed)
        if args.part in ("all", "empirical"):
            part_empirical(args.exe, tmp, args.draws, args.first_seed, [int(n) for n in args.sizes.split(",")],
                           args.optimizers.split(","), args.shapes.split(","))
        if args.part in ("all", "obstacles"):
            part_obstacles(args.exe, tmp, args.draws, args.first_seed)
        if args.part in ("all", "speed"):
            part_speed(args.exe, tmp, max(1, args.draws // 10), args.first_seed, args.cases.split(","))


if __name__ == "__main__":
    main()
