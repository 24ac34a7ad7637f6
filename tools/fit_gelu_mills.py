#!/usr/bin/env python3
"""Fits the rational of kernels-cpu's exact GELU (ActivationKernels.phi) and prints it as Java float literals.

GELU(x) = x·Φ(x), and Φ(−a) = m(a)·φ(a) for a = |x| with φ the normal density and m the Mills
ratio, smooth and bounded on [0, ∞) (m(0) = √(π/2), m(a) ~ 1/a). The kernel computes
m = Q/(a·Q + P), i.e. 1/m − a = P/Q: a rounding error in P or Q is damped by P/(a·Q + P), which
is small where a is large, so a low degree keeps float's accuracy. The fit minimises m's relative
error on [0, 14.5] (beyond, φ rounds to 0 in float), reweighted toward its largest errors
(Lawson), and reports it after rounding the coefficients to float. Needs numpy and mpmath.

    python3 tools/fit_gelu_mills.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 30
A_MAX = 14.5
DEG_P, DEG_Q = 4, 4


def mills(a):
    a = mp.mpf(float(a))
    return float(mp.erfc(a / mp.sqrt(2)) / 2 / (mp.exp(-a * a / 2) / mp.sqrt(2 * mp.pi)))


def evaluate(p, q, a):
    pa = np.polyval(p[::-1], a)
    qa = np.polyval(q[::-1], a)
    return qa / (a * qa + pa)


def main():
    a = np.concatenate([np.linspace(0, A_MAX, 6000), A_MAX * np.sin(np.linspace(0, np.pi / 2, 3000)) ** 2])
    m = np.array([mills(v) for v in a])
    g = 1 / m - a  # what P/Q approximates
    w = np.ones_like(a)
    qa = np.ones_like(a)
    for _ in range(100):
        # linearised: P(a) − g·(Q(a) − 1) = g with Q's constant 1; the error of m is err(g)/(a + g)
        cols = [a ** k for k in range(DEG_P + 1)] + [-g * a ** k for k in range(1, DEG_Q + 1)]
        rows = w / ((a + g) * qa)
        c, *_ = np.linalg.lstsq(np.vstack(cols).T * rows[:, None], g * rows, rcond=None)
        p = c[:DEG_P + 1]
        q = np.concatenate([[1.0], c[DEG_P + 1:]])
        qa = np.polyval(q[::-1], a)
        err = np.abs(evaluate(p, q, a) / m - 1)
        w = w * (err / err.max()) ** 0.3
        w /= w.max()
    p32 = p.astype(np.float32).astype(np.float64)
    q32 = q.astype(np.float32).astype(np.float64)
    err32 = np.abs(evaluate(p32, q32, a) / m - 1).max()
    print(f"// m(a) = Q/(a·Q + P) on [0, {A_MAX}]: relative error {err32:.2e} with float coefficients")
    for name, cs in (("MP", p), ("MQ", q)):
        for k, v in enumerate(cs):
            print(f"private static final float {name}{k} = {np.float32(v)!r}f;".replace("np.float32(", "").replace(")f", "f"))


if __name__ == "__main__":
    main()
