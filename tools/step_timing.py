"""The timing the torch_*_step.py scripts share: warm-up steps, timed steps, and the statistics
Kiln's bench commands print (median, mean, p10, p90 in ms; quantiles as numpy's default, linear)."""
import statistics
import time


def time_steps(step, warmup, steps):
    for _ in range(warmup):
        step()
    ms = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()

    def q(p):
        pos = p * (len(ms) - 1)
        lo = int(pos)
        hi = min(len(ms) - 1, lo + 1)
        return ms[lo] + (pos - lo) * (ms[hi] - ms[lo])

    return {
        "median_ms": round(q(0.5), 4), "mean_ms": round(statistics.fmean(ms), 4),
        "p10_ms": round(q(0.1), 4), "p90_ms": round(q(0.9), 4), "steps": steps,
    }
