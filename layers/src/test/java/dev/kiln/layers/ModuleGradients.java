package dev.kiln.layers;

import dev.kiln.autograd.GradCheck;
import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite-difference checks of an F64 module's map x → f(x): the input through {@link GradCheck},
 * and every parameter element by nudging it in place (outside the graph) and re-running f,
 * against the gradient backward left in the parameter. Tolerances as PyTorch's gradcheck.
 */
public final class ModuleGradients {
    private ModuleGradients() {
    }

    /** The module's own forward; returns how many parameter elements were checked. */
    public static int assertGradients(Module m, Tensor x) {
        return assertGradients(m, m::forward, x);
    }

    /** Returns how many parameter elements were checked (at least one). */
    public static int assertGradients(Module m, Function<Tensor, Tensor> f, Tensor x) {
        assertThat(x.dtype()).isEqualTo(DType.F64);
        GradCheck.assertGradients(in -> f.apply(in[0]), x.detach().requiresGrad(true));
        Tensor probe;
        try (NoGrad ignored = NoGrad.enter()) {
            probe = f.apply(x);
        }
        Tensor w = Tensor.randn(new Generator(99), probe.shape()).to(DType.F64);
        m.zeroGrad();
        f.apply(x.detach()).mul(w).sum().backward();
        int checked = 0;
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Tensor p = e.getValue().tensor();
            double[] analytic = p.grad() == null ? new double[p.numel()] : p.grad().toDoubleArray();
            double[] base = p.toDoubleArray();
            for (int j = 0; j < base.length; j++) {
                double plus = lossAt(f, x, w, p, j, base[j] + GradCheck.EPS);
                double minus = lossAt(f, x, w, p, j, base[j] - GradCheck.EPS);
                lossAt(f, x, w, p, j, base[j]);
                double numeric = (plus - minus) / (2 * GradCheck.EPS);
                assertThat(Math.abs(analytic[j] - numeric)).as("%s element %d: analytic %s, numeric %s", e.getKey(), j,
                        analytic[j], numeric).isLessThanOrEqualTo(GradCheck.ATOL + GradCheck.RTOL * Math.abs(numeric));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(0);
        return checked;
    }

    private static double lossAt(Function<Tensor, Tensor> f, Tensor x, Tensor w, Tensor p, int j, double value) {
        try (NoGrad ignored = NoGrad.enter()) {
            p.reshape(-1).narrow(0, j, 1).fill_(value);
            return f.apply(x).mul(w).sum().item();
        }
    }
}
