#!/usr/bin/env python3
"""Fits the polynomials of kernels-cpu's SimdFunctions and prints them as Java float literals.

Each is a least-squares fit for relative error on Chebyshev-spaced points, reweighted a few
times toward its largest errors (Lawson), and its error is measured after rounding the
coefficients to float. Exact values come from mpmath at 40 digits. Needs numpy and mpmath.

    python3 tools/fit_simd_polys.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def _points(lo, hi, n=4000):
    x = np.cos(np.linspace(0, np.pi, n)) * (hi - lo) / 2 + (hi + lo) / 2
    return x[x > 1e-9]


def _lawson(A, target, rel):
    """rel converts an error in target's units to a relative error of the function."""
    w = rel
    for _ in range(6):
        c, *_ = np.linalg.lstsq(A * w[:, None], target * w, rcond=None)
        err = np.abs((A @ c.astype(np.float32).astype(np.float64) - target) * rel)
        w = w * np.sqrt(err / err.max() + 1e-3)
    return c.astype(np.float32)


def odd(name, f, lo, hi, deg):
    """f(x) = x + x^3 P(x^2): P's coefficients, lowest power first."""
    x = _points(lo, hi)
    fx = np.array([float(f(mp.mpf(float(v)))) for v in x])
    z = x * x
    A = np.vstack([z ** k for k in range(deg + 1)]).T
    c = _lawson(A, (fx - x) / x ** 3, x ** 3 / fx)
    err = (x + x ** 3 * (A @ c.astype(np.float64)) - fx) / fx
    report(name, c, err)


def acosh_near_one(deg, hi=0.25):
    """acosh(1 + t) = sqrt(2t) Q(t) with Q(0) = 1."""
    t = _points(0, hi)
    q = np.array([float(mp.acosh(1 + mp.mpf(float(v))) / mp.sqrt(2 * mp.mpf(float(v)))) for v in t])
    A = np.vstack([t ** k for k in range(deg + 1)]).T
    c = _lawson(A, q, 1 / q)
    report("acosh Q", c, (A @ c.astype(np.float64) - q) / q)


def report(name, c, err):
    print(f"{name}: max relative error {np.abs(err).max():.2g}")
    print("    " + ", ".join(f"{float(v)!r}f" for v in c))


if __name__ == "__main__":
    odd("atan A on [0, 0.66]", mp.atan, 0, 0.66, 6)
    odd("asin B on [0, 0.5]", mp.asin, 0, 0.5, 5)
    odd("tan C on [0, pi/4]", mp.tan, 0, float(mp.pi / 4), 6)
    odd("sinh H on [0, 1]", mp.sinh, 0, 1.0, 4)
    acosh_near_one(6)
