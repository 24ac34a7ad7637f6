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
    return x[x > 1e-9] if lo >= 0 else x  # ranges from 0 leave out 0, where f(x)/x³ is 0/0


def _lawson(A, target, rel, iterations=6):
    """rel converts an error in target's units to a relative error of the function."""
    w = rel
    for _ in range(iterations):
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


def erfc_tail(lo, hi, deg):
    """x erfc(x) e^{x^2} = F(1/x - c) on [lo, hi], c the float nearest the middle of 1/x's range;
    F's constant term fitted first (in double) and split into two floats, the rest refitted to it."""
    c = float(np.float32((1 / hi + 1 / lo) / 2))
    u = _points(1 / hi, 1 / lo, 3000)
    v = u - c
    F = np.array([float(mp.erfc(1 / mp.mpf(float(w))) * mp.exp(1 / mp.mpf(float(w)) ** 2) / mp.mpf(float(w))) for w in u])
    A = np.vstack([v ** k for k in range(deg + 1)]).T
    w = 1 / F
    for _ in range(8):
        cc, *_ = np.linalg.lstsq(A * w[:, None], F * w, rcond=None)
        err = np.abs((A @ cc - F) / F)
        w = w * np.sqrt(err / err.max() + 1e-3)
    c0hi = np.float32(cc[0])
    c0lo = np.float32(float(mp.mpf(cc[0]) - mp.mpf(float(c0hi))))
    rest = _lawson(A[:, 1:], F - (float(c0hi) + float(c0lo)), 1 / F, 8)
    err = (A[:, 1:] @ rest.astype(np.float64) + float(c0hi) + float(c0lo) - F) / F
    print(f"erfc tail on [{lo}, {hi}]: c = {c!r}f, constant {float(c0hi)!r}f + {float(c0lo)!r}f")
    report("    c1..", rest, err)


def erf_mid(deg):
    """erf(1 + s) - ERX on s in [-0.15625, 0.25], error measured relative to erfc(1 + s)."""
    erx = float(np.float32(0.845062911510467529297))
    s = _points(-0.15625, 0.25)
    t = np.array([float(mp.erf(1 + mp.mpf(float(v))) - mp.mpf(erx)) for v in s])
    rel = 1 / np.array([float(mp.erfc(1 + mp.mpf(float(v)))) for v in s])
    A = np.vstack([s ** k for k in range(deg + 1)]).T
    c = _lawson(A, t, rel, 8)
    report(f"erf D on [-0.15625, 0.25] (ERX = {erx!r}f)", c, (A @ c.astype(np.float64) - t) * rel)


def erf_small(deg):
    """erf(x) = x (2/sqrt(pi) + x^2 P(x^2)) on [0, 0.84375]."""
    c0 = 2 / mp.sqrt(mp.pi)
    x = _points(0, 0.84375)
    x = x[x > 1e-6]
    z = x * x
    f = np.array([float(mp.erf(mp.mpf(float(v)))) for v in x])
    t = np.array([float((mp.erf(mp.mpf(float(v))) / mp.mpf(float(v)) - c0) / mp.mpf(float(v)) ** 2) for v in x])
    A = np.vstack([z ** k for k in range(deg + 1)]).T
    c = _lawson(A, t, x ** 3 / f, 8)
    report("erf P on [0, 0.84375]", c, (A @ c.astype(np.float64) - t) * x ** 3 / f)


def report(name, c, err):
    print(f"{name}: max relative error {np.abs(err).max():.2g}")
    print("    " + ", ".join(f"{float(v)!r}f" for v in c))


if __name__ == "__main__":
    odd("atan A on [0, 0.66]", mp.atan, 0, 0.66, 6)
    odd("asin B on [0, 0.5]", mp.asin, 0, 0.5, 5)
    odd("tan C on [0, pi/4]", mp.tan, 0, float(mp.pi / 4), 6)
    odd("sinh H on [0, 1]", mp.sinh, 0, 1.0, 4)
    acosh_near_one(6)
    erf_small(6)
    erf_mid(7)
    erfc_tail(1.25, 2.5, 7)
    erfc_tail(2.5, 10.1, 7)
