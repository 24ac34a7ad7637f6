package dev.kiln.tensor;

/**
 * Special functions the JDK lacks, in double: the error function and its complement, and the
 * standard normal density and distribution. GELU, SAU and the normal initialisers rest on them.
 *
 * <p>erf and erfc follow W. J. Cody, "Rational Chebyshev approximations for the error function",
 * Mathematics of Computation 23 (1969), 631–637: three rational approximations, on |x| ≤ 0.46875
 * (erf), 0.46875 &lt; |x| ≤ 4 (erfc·e^{x²}) and |x| > 4 (an asymptotic form in 1/x²). The coefficients
 * are the published ones; their relative error is below 6e-19 before double rounding, so the
 * result is good to a few units in the last place. erfc never forms 1 − erf where that would
 * cancel, so it stays accurate (relatively) far into the tail, down to its underflow near x = 26.6.
 */
public final class SpecialFunctions {
    private SpecialFunctions() {
    }

    /** 1/√π. */
    private static final double INV_SQRT_PI = 5.6418958354775628695e-1;
    private static final double INV_SQRT_2 = 0.70710678118654752440;
    private static final double INV_SQRT_2PI = 0.39894228040143267794;

    // erf(x) = x·R1(x²) for |x| ≤ 0.46875
    private static final double[] A = {
        3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
        1.85777706184603153e-1};
    private static final double[] B = {
        2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03};
    // erfc(x) = e^{−x²}·R2(x) for 0.46875 < x ≤ 4
    private static final double[] C = {
        5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
        8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
        2.15311535474403846e-8};
    private static final double[] D = {
        1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
        3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03};
    // erfc(x) = e^{−x²}/x·(1/√π − R3(1/x²)/x²) for x > 4
    private static final double[] P = {
        3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
        6.58749161529837803e-4, 1.63153871373020978e-2};
    private static final double[] Q = {
        2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
        2.33520497626869185e-3};

    /** Beyond this erfc(x) underflows to 0 in double and erf(x) is 1. */
    private static final double X_BIG = 26.543;

    /** The error function 2/√π ∫₀ˣ e^{−t²} dt. */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double y = Math.abs(x);
        if (y <= 0.46875) {
            return x * small(y);
        }
        double r = 1.0 - erfcPositive(y);
        return x < 0 ? -r : r;
    }

    /** The complementary error function 1 − erf(x), accurate (relatively) in the right tail. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double y = Math.abs(x);
        if (y <= 0.46875) {
            return 1.0 - x * small(y);
        }
        double r = erfcPositive(y);
        return x < 0 ? 2.0 - r : r;
    }

    /**
     * The inverse of erf: erfinv(erf(x)) = x, ±∞ at ±1, NaN outside [−1, 1]. A closed-form first
     * guess (Winitzki's, within 2e-3) refined by Newton steps, on erfc near ±1 so that the tail keeps
     * its digits (1 − |y| is exact there).
     */
    public static double erfinv(double y) {
        if (!(Math.abs(y) <= 1)) {
            return Double.NaN;
        }
        if (Math.abs(y) == 1) {
            return Math.copySign(Double.POSITIVE_INFINITY, y);
        }
        if (y == 0) {
            return y;
        }
        double a = Math.abs(y);
        double ln = Math.log1p(-a * a);
        double t = 2 / (Math.PI * 0.147) + ln / 2;
        double x = Math.sqrt(Math.sqrt(t * t - ln / 0.147) - t);
        double tail = 1 - a;
        for (int i = 0; i < 6; i++) {
            // f'(x) = 2/√π·e^{−x²} for erf (−that for erfc); the residual is the same either way
            double r = a < 0.5 ? erf(x) - a : tail - erfc(x);
            double step = r / (2 * INV_SQRT_PI * Math.exp(-x * x));
            x -= step;
            if (Math.abs(step) <= 1e-17 * x) {
                break;
            }
        }
        return Math.copySign(x, y);
    }

    /** Φ(x) = P(Z ≤ x) for a standard normal Z, computed as erfc(−x/√2)/2 so the left tail keeps its digits. */
    public static double normalCdf(double x) {
        return 0.5 * erfc(-x * INV_SQRT_2);
    }

    /** φ(x) = e^{−x²/2}/√(2π). */
    public static double normalPdf(double x) {
        return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** erf(y)/y for 0 ≤ y ≤ 0.46875. */
    private static double small(double y) {
        double z = y * y;
        double num = A[4] * z;
        double den = z;
        for (int i = 0; i < 3; i++) {
            num = (num + A[i]) * z;
            den = (den + B[i]) * z;
        }
        return (num + A[3]) / (den + B[3]);
    }

    /** erfc(y) for y > 0.46875. */
    private static double erfcPositive(double y) {
        if (y >= X_BIG) {
            return 0.0;
        }
        double r;
        if (y <= 4.0) {
            double num = C[8] * y;
            double den = y;
            for (int i = 0; i < 7; i++) {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            r = (num + C[7]) / (den + D[7]);
        } else {
            double z = 1.0 / (y * y);
            double num = P[5] * z;
            double den = z;
            for (int i = 0; i < 4; i++) {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            r = (INV_SQRT_PI - z * (num + P[4]) / (den + Q[4])) / y;
        }
        // e^{−y²} as e^{−ys²}·e^{−(y−ys)(y+ys)} with ys = y rounded down to 1/16: ys² is exact,
        // so the rounding error of y² is not amplified by the exponential (Cody's device)
        double ys = Math.floor(y * 16.0) / 16.0;
        double del = (y - ys) * (y + ys);
        return Math.exp(-ys * ys) * Math.exp(-del) * r;
    }
}
