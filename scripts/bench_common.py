"""Shared helper of the benchmark scripts."""
import time


def best(f, repeats):
    """Best wall time of `repeats` calls of `f`, after one warm-up call."""
    f()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)
