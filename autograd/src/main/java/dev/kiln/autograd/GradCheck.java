package dev.kiln.autograd;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Compares the analytic gradient of a function with central finite differences, in F64
 * (PyTorch's {@code gradcheck}). The function's output is reduced to a scalar with fixed random
 * weights, so every output element and every input element is checked.
 */
public final class GradCheck {
    /** Defaults as PyTorch's gradcheck: eps 1e-6, atol 1e-5, rtol 1e-3. */
    public static final double EPS = 1e-6;
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-3;

    private GradCheck() {
    }

    /** The worst mismatch found; {@link #passed()} says whether it is within tolerance. */
    public record Result(boolean passed, String message, double maxAbsError) {
    }

    /**
     * Checks f at the given inputs: every F64 input with requiresGrad is differentiated; other
     * inputs (indices, labels) are passed through unchanged.
     */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, EPS, ATOL, RTOL, inputs);
    }

    public static Result check(Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad() && t.dtype() != DType.F64) {
                throw new IllegalArgumentException("GradCheck: inputs that require grad must be F64, got " + t.dtype());
            }
        }
        Tensor out = f.apply(inputs);
        Tensor weights = Tensor.randn(new Generator(1234), out.shape()).to(DType.F64);
        for (Tensor t : inputs) {
            t.zeroGrad();
        }
        out.mul(weights).sum().backward();

        double worst = 0;
        String where = "";
        boolean ok = true;
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) {
                continue;
            }
            double[] analytic = x.grad() == null ? new double[x.numel()] : x.grad().toDoubleArray();
            double[] base = x.toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                double plus = loss(f, inputs, k, base, j, base[j] + eps, weights);
                double minus = loss(f, inputs, k, base, j, base[j] - eps, weights);
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.abs(analytic[j] - numeric);
                boolean bad = !(err <= atol + rtol * Math.abs(numeric));
                if (bad || err > worst) {
                    if (bad && ok) {
                        where = "input " + k + " " + Arrays.toString(x.shape()) + " element " + j + ": analytic "
                                + analytic[j] + ", numeric " + numeric;
                    }
                    worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                    ok &= !bad;
                }
            }
        }
        return new Result(ok, ok ? "gradients match (max abs error " + worst + ")" : "gradient mismatch at " + where, worst);
    }

    /** Like {@link #check} but throws an AssertionError that says where the gradients differ. */
    public static void assertGradients(Function<Tensor[], Tensor> f, Tensor... inputs) {
        Result r = check(f, inputs);
        if (!r.passed()) {
            throw new AssertionError("GradCheck: " + r.message());
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] inputs, int k, double[] base, int j,
                               double value, Tensor weights) {
        double[] moved = base.clone();
        moved[j] = value;
        Tensor[] args = inputs.clone();
        int[] shape = inputs[k].shape();
        args[k] = shape.length == 0 ? Tensor.scalar(moved[0], DType.F64) : Tensor.of(moved, shape);
        try (NoGrad ignored = NoGrad.enter()) {
            return f.apply(args).mul(weights).sum().item();
        }
    }
}
