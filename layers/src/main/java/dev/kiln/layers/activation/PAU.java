package dev.kiln.layers.activation;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Tensor;

/**
 * Padé activation unit (Molina, Schramowski and Kersting, "Padé Activation Units", the "safe"
 * form): P(x)/Q(x) with P = Σ_{j=0..m} a_j x^j and Q = 1 + Σ_{k=1..n} |b_k|·|x|^k ≥ 1, the
 * coefficients learnable and shared by the whole layer. The default is degrees 5/4 initialised
 * to the official fit of leaky ReLU ("pade_optimized_leakyrelu"). Keys "numerator" [m+1] and
 * "denominator" [n], as the official code; both exempt from weight decay (the official training
 * gives them their own group without it).
 */
public final class PAU extends Module {
    /** a_0..a_5 of the leaky-ReLU initialisation. */
    private static final double[] LEAKY_RELU_NUMERATOR = {
        3.35583603e-2, 5.05000375e-1, 1.65343934, 2.01001052, 9.31901999e-1, 1.52424124e-1};
    /** b_1..b_4 of the leaky-ReLU initialisation. */
    private static final double[] LEAKY_RELU_DENOMINATOR = {3.30847488e-6, 3.98021568, 5.12471206e-7, 3.01830109e-1};

    private final Parameter numerator;
    private final Parameter denominator;

    /** Degrees 5/4, initialised to approximate leaky ReLU. */
    public PAU() {
        this(LEAKY_RELU_NUMERATOR, LEAKY_RELU_DENOMINATOR);
    }

    /** Custom degrees and initial coefficients: numerator a_0..a_m, denominator b_1..b_n. */
    public PAU(double[] numerator, double[] denominator) {
        if (numerator.length == 0) {
            throw new IllegalArgumentException("PAU: the numerator needs at least one coefficient");
        }
        float[] a = new float[numerator.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) numerator[i];
        }
        float[] b = new float[denominator.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) denominator[i];
        }
        this.numerator = registerParameter("numerator", new Parameter(Tensor.of(a)).noWeightDecay());
        this.denominator = registerParameter("denominator", new Parameter(Tensor.of(b, b.length)).noWeightDecay());
    }

    @Override
    public Tensor forward(Tensor x) {
        Inputs.requireDType(describe(), x, numerator.dtype());
        return x.pau(numerator.tensor(), denominator.tensor());
    }

    public Parameter numerator() {
        return numerator;
    }

    public Parameter denominator() {
        return denominator;
    }

    @Override
    protected String extraRepr() {
        return "m=" + (numerator.numel() - 1) + ", n=" + denominator.numel();
    }
}
