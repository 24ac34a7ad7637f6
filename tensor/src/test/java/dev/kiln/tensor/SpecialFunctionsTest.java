package dev.kiln.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpecialFunctionsTest {

    /** {x, erf(x), erfc(x)} from mpmath at 30 digits. */
    private static final double[][] KNOWN = {
        {0.1, 0.1124629160182848922, 0.8875370839817151078},
        {0.46875, 0.49261347321793799159, 0.50738652678206200841},
        {0.5, 0.52049987781304653768, 0.47950012218695346232},
        {1, 0.84270079294971486934, 0.15729920705028513066},
        {2, 0.99532226501895273416, 0.0046777349810472658379},
        {3, 0.99997790950300141456, 0.000022090496998585441373},
        {4, 0.99999998458274209972, 1.5417257900280018852e-8},
        {4.5, 0.99999999980338395585, 1.9661604415428874763e-10},
        {6, 0.99999999999999997848, 2.1519736712498913117e-17},
        {-0.3, -0.32862675945912742764, 1.3286267594591274276},
        {-2.5, -0.99959304798255504106, 1.9995930479825550411},
    };

    @Test
    void erfAndErfcMatchHighPrecisionValues() {
        for (double[] k : KNOWN) {
            assertThat(SpecialFunctions.erf(k[0])).as("erf(%s)", k[0]).isCloseTo(k[1], within(4 * Math.ulp(k[1])));
            assertThat(SpecialFunctions.erfc(k[0])).as("erfc(%s)", k[0]).isCloseTo(k[2], within(Math.abs(k[2]) * 2e-15));
        }
    }

    @Test
    void erfcKeepsRelativeAccuracyFarInTheTail() {
        assertThat(SpecialFunctions.erfc(10)).isCloseTo(2.088487583762544757e-45, within(2.088487583762544757e-45 * 1e-14));
        assertThat(SpecialFunctions.erfc(26)).isCloseTo(5.6631924088561428465e-296, within(5.6631924088561428465e-296 * 1e-13));
        assertThat(SpecialFunctions.erfc(27)).isZero();
        assertThat(SpecialFunctions.erfc(-30)).isEqualTo(2.0);
    }

    /** An independent method: erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)), all terms positive, no cancellation. */
    private static double erfSeries(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-18 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    @Test
    void erfAgreesWithTheSeriesOnADenseGrid() {
        double worst = 0;
        for (int i = -400; i <= 400; i++) {
            double x = i / 100.0 + 0.0037;
            worst = Math.max(worst, Math.abs(SpecialFunctions.erf(x) - erfSeries(x)));
        }
        assertThat(worst).isLessThan(1e-14);
    }

    @Test
    void erfIsOddAndErfcComplementsIt() {
        for (double x = -7; x <= 7; x += 0.173) {
            assertThat(SpecialFunctions.erf(-x)).isEqualTo(-SpecialFunctions.erf(x));
            assertThat(SpecialFunctions.erf(x) + SpecialFunctions.erfc(x)).isCloseTo(1.0, within(1e-15));
        }
        assertThat(SpecialFunctions.erf(0)).isZero();
        assertThat(SpecialFunctions.erf(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
        assertThat(SpecialFunctions.erf(Double.NaN)).isNaN();
    }

    @Test
    void normalCdfAndPdf() {
        assertThat(SpecialFunctions.normalCdf(0)).isEqualTo(0.5);
        assertThat(SpecialFunctions.normalCdf(1.959963984540054)).isCloseTo(0.975, within(1e-15));
        // Φ(−10) = 7.6198530241605260659e-24 (mpmath): the left tail keeps its relative digits
        assertThat(SpecialFunctions.normalCdf(-10)).isCloseTo(7.6198530241605260659e-24, within(7.62e-24 * 1e-14));
        assertThat(SpecialFunctions.normalPdf(0)).isCloseTo(1 / Math.sqrt(2 * Math.PI), within(1e-17));
    }
}
